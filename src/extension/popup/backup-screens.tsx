/** Channel backups: saving one (Settings) and restoring one (Settings, and after a restore from words). */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ChannelBackupFile, ChannelRestoreResult } from '../shared/types.ts';
import { call } from './api.ts';
import { ErrorBox, Field, saveFile, useAction } from './ui.tsx';

/** A titled form in a card, named by its title for assistive technology. */
function CardForm({ id, title, onSubmit, children }: { id: string; title: string; onSubmit: () => void; children: ComponentChildren }) {
  return (
    <form
      class="card stack"
      aria-labelledby={id}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <strong id={id}>{title}</strong>
      {children}
    </form>
  );
}

function channels(n: number): string {
  return n === 1 ? '1 channel' : `${n} channels`;
}

/** Password again, then `paychan-channels-YYYY-MM-DD.json` as a download. */
export function BackupChannels() {
  const [pw, setPw] = useState('');
  const [saved, setSaved] = useState<ChannelBackupFile | null>(null);
  const backup = useAction(async () => {
    setSaved(null);
    const file = await call('channels.backup', { password: pw });
    saveFile(file.filename, file.contents, 'application/json');
    setPw('');
    setSaved(file);
  });
  return (
    <CardForm id="backup-title" title="Back up channels" onSubmit={() => void backup.run()}>
      <Field label="Wallet password" hint="The file is encrypted with it.">
        <input type="password" autoComplete="current-password" value={pw} onInput={(e) => setPw((e.target as HTMLInputElement).value)} />
      </Field>
      <ErrorBox error={backup.error} />
      {saved && (
        <div class="alert ok" role="status">
          Saved {saved.filename} with {channels(saved.channels)}. Keep it with your recovery phrase; save a new one after opening a channel.
        </div>
      )}
      <div class="row end">
        <button type="submit" disabled={backup.busy || !pw}>
          {backup.busy ? 'Encrypting…' : 'Save backup file'}
        </button>
      </div>
    </CardForm>
  );
}

/** A backup file and the password it was made with; adds the channels this wallet does not have. */
export function RestoreChannels() {
  const [file, setFile] = useState<{ name: string; contents: string } | null>(null);
  const [pw, setPw] = useState('');
  const [result, setResult] = useState<ChannelRestoreResult | null>(null);
  const restore = useAction(async () => {
    setResult(null);
    if (!file) throw new Error('Choose the backup file first.');
    const out = await call('channels.restoreBackup', { contents: file.contents, password: pw });
    setPw('');
    setResult(out);
  });
  const choose = useAction(async (chosen: File | undefined) => {
    setResult(null);
    setFile(chosen ? { name: chosen.name, contents: await chosen.text() } : null);
  });
  return (
    <CardForm id="restore-title" title="Restore channels from a backup" onSubmit={() => void restore.run()}>
      <Field label="Channel backup file">
        <input type="file" accept=".json,application/json" onChange={(e) => void choose.run((e.target as HTMLInputElement).files?.[0])} />
      </Field>
      <Field label="Password of the backup" hint="The wallet password when the backup was made.">
        <input type="password" autoComplete="off" value={pw} onInput={(e) => setPw((e.target as HTMLInputElement).value)} />
      </Field>
      <ErrorBox error={choose.error ?? restore.error} />
      {result && (
        <div class="alert ok" role="status">
          {result.added.length > 0 ? `Restored ${channels(result.added.length)}; the wallet now watches ${result.added.length === 1 ? 'it' : 'them'} and takes the refund after expiry if the site is gone.` : 'No new channels in this backup.'}
          {result.skipped > 0 && ` ${channels(result.skipped)} already here, left as ${result.skipped === 1 ? 'it was' : 'they were'}.`}
        </div>
      )}
      <div class="row end">
        <button type="submit" disabled={restore.busy || !file || !pw}>
          {restore.busy ? 'Restoring…' : 'Restore channels'}
        </button>
      </div>
    </CardForm>
  );
}
