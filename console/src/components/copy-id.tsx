// An id with a button that copies it whole. A stop-gap for the payments and accounts screens until the
// shared CopyId of ui.tsx is merged; then these call sites switch to it and this file goes.
import { useEffect, useState } from 'react';

export function CopyId({ value, label = 'ID' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  useEffect(() => {
    if (!copied) return undefined;
    const timer = setTimeout(() => setCopied(undefined), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = () => {
    // No clipboard outside a secure context (plain http to another host): the text stays selectable.
    if (!navigator.clipboard) {
      setCopied('failed');
      return;
    }
    navigator.clipboard.writeText(value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <span className="copy-id">
      <code>{value}</code>
      <button type="button" className="copy-button" onClick={copy} aria-label={`Copy ${label}`}>
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select and copy' : 'Copy'}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {copied === 'yes' ? `${label} copied` : ''}
      </span>
    </span>
  );
}
