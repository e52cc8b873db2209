import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useAction, useLoaded } from '../hooks.ts';
import type { Answer } from '../types.ts';
import { ErrorLine } from './ErrorLine.tsx';

type SavedSearch = Answer<'listSavedSearches'>['searches'][number];

/** Saved searches: run one, save the current one (for yourself or everyone), delete one. */
export function SavedSearchBar({ query, range, onRun }: { query: string; range: string; onRun: (search: SavedSearch) => void }) {
  const listed = useLoaded('saved-searches', () => api<Answer<'listSavedSearches'>>('/api/v1/saved-searches'));
  const action = useAction();
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [chosen, setChosen] = useState('');
  const searches = listed.data?.searches ?? [];

  async function save(event: FormEvent) {
    event.preventDefault();
    const saved = await action.run(() => api('/api/v1/saved-searches', { method: 'POST', body: { name, query, range, shared } }));
    if (!saved) return;
    setSaving(false);
    setName('');
    listed.reload();
  }

  async function remove() {
    if (await action.run(() => api(`/api/v1/saved-searches/${encodeURIComponent(chosen)}`, { method: 'DELETE' }))) {
      setChosen('');
      listed.reload();
    }
  }

  return (
    <div className="saved-searches">
      <select
        aria-label="Saved searches"
        value={chosen}
        onChange={(event) => {
          setChosen(event.target.value);
          const search = searches.find((candidate) => candidate.id === event.target.value);
          if (search) onRun(search);
        }}
        data-testid="saved-search-select"
      >
        <option value="">Saved searches…</option>
        {searches.map((search) => (
          <option key={search.id} value={search.id}>
            {search.name}
            {search.shared ? ' (shared)' : ''}
          </option>
        ))}
      </select>
      {chosen !== '' && (
        <button type="button" className="link" onClick={() => void remove()} data-testid="saved-search-delete">
          delete
        </button>
      )}
      {saving ? (
        <form className="inline" onSubmit={(event) => void save(event)} data-testid="saved-search-form">
          <input value={name} required maxLength={200} placeholder="name this search" aria-label="Name" onChange={(event) => setName(event.target.value)} data-testid="saved-search-name" />
          <label className="check">
            <input type="checkbox" checked={shared} onChange={(event) => setShared(event.target.checked)} /> shared
          </label>
          <button type="submit" data-testid="saved-search-save">
            Save
          </button>
        </form>
      ) : (
        <button type="button" className="link" disabled={query.trim() === ''} onClick={() => setSaving(true)} data-testid="saved-search-new">
          Save this search
        </button>
      )}
      <ErrorLine message={action.error || listed.error} testId="saved-search-error" />
    </div>
  );
}
