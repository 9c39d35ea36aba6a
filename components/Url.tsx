import { Fragment } from 'react';

/**
 * A URL that may wrap only right after its separators (`://`, `/`, `.`, `?`, `&`, `=`, `-`), with
 * `<wbr>`, so a long address such as the redirect URI breaks between its parts and never inside
 * a word (issue 13). Shown in `<code className="url">` unless `as` says otherwise.
 */
export function Url({ text, testId }: { readonly text: string; readonly testId?: string }) {
  const parts = text.split(/(?<=:\/\/|[/.?&=-])/);
  return (
    <code className="url" data-testid={testId}>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && <wbr />}
        </Fragment>
      ))}
    </code>
  );
}
