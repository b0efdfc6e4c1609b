// The filter controls shared by list screens: a connector picker fed by the API, selects and text fields.
import { useId } from 'react';
import { api } from '../lib/api.js';
import { statusText } from '../lib/format.js';
import { useLoad } from '../lib/use-load.js';

/** Picks a connector by name; the list comes from the API, so a filter never names an unknown id. */
export function ConnectorSelect({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const id = useId();
  const [state] = useLoad((signal) => api.connectors({ pageSize: 100 }, signal), []);
  const connectors = state.data?.data ?? [];
  return (
    <div className="field">
      <label htmlFor={id}>Connector</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All connectors</option>
        {connectors.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({c.provider})
          </option>
        ))}
        {value && !connectors.some((c) => c.id === value) ? <option value={value}>{value}</option> : null}
      </select>
    </div>
  );
}

export function EnumSelect({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {statusText(o)}
          </option>
        ))}
      </select>
    </div>
  );
}
