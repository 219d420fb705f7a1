import { Kbd, TextInput } from '@mantine/core';
import { IconAlertTriangle, IconBarcode, IconCircleCheck, IconX } from '@tabler/icons-react';
import { type KeyboardEvent, forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { client, messageOf } from '../rpc';
import { beep } from './beep';
import { type Edits, type ScanOutcome, type Transfer, applyScan } from './scan';

export interface ScanBarHandle {
  focus(): void;
}

interface Props {
  transfer: Transfer;
  edits: Edits;
  onScanned(outcome: ScanOutcome): void;
}

/**
 * The scan field: a keyboard-wedge scanner types the code fast and ends with Enter. Each scan
 * goes to inventory.scan with this transfer; a match adds to its line, a wrong product flashes
 * red with a message and two low beeps. Typing anywhere on the page that is not a field lands
 * here, so the picker never has to click before scanning.
 */
export const ScanBar = forwardRef<ScanBarHandle, Props>(function ScanBar({ transfer, edits, onScanned }, ref) {
  const input = useRef<HTMLInputElement>(null);
  const [code, setCode] = useState('');
  const [last, setLast] = useState<{ tone: ScanOutcome['tone']; message: string; seq: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const editsRef = useRef(edits);
  editsRef.current = edits;
  const queue = useRef<Promise<void>>(Promise.resolve());

  useImperativeHandle(ref, () => ({ focus: () => input.current?.focus() }), []);

  // A wedge scanner "types": route printable keys pressed outside any field to the scan field.
  useEffect(() => {
    function onKey(e: globalThis.KeyboardEvent) {
      const target = e.target as HTMLElement | null;
      if (!target || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
      if (target.closest('input, textarea, select, [contenteditable="true"], [role="dialog"]')) return;
      input.current?.focus();
    }
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  function submit(raw: string) {
    const scanned = raw.trim();
    if (!scanned) return;
    setCode('');
    // Scans are applied in the order they were made, even when the engine answers out of order.
    queue.current = queue.current.then(async () => {
      setBusy(true);
      try {
        const answer = await client.call('inventory.scan', { code: scanned, transferId: transfer.id });
        const outcome = applyScan(transfer, editsRef.current, answer);
        editsRef.current = outcome.edits;
        beep(outcome.tone);
        setLast((p) => ({ tone: outcome.tone, message: outcome.message, seq: (p?.seq ?? 0) + 1 }));
        onScanned(outcome);
      } catch (e) {
        beep('error');
        setLast((p) => ({ tone: 'error', message: messageOf(e), seq: (p?.seq ?? 0) + 1 }));
      } finally {
        setBusy(false);
      }
    });
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter') {
      e.preventDefault();
      submit(e.currentTarget.value);
    } else if (e.key === 'Escape') {
      setCode('');
    }
  }

  const tone = last?.tone;
  return (
    <div className="wh-scanbar" data-tone={tone} data-testid="scan-bar">
      <TextInput
        ref={input}
        label="Scan barcode"
        placeholder="Scan or type a barcode, then Enter"
        leftSection={<IconBarcode size={14} />}
        rightSection={<Kbd size="xs">F2</Kbd>}
        w={320}
        value={code}
        onChange={(e) => setCode(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        autoComplete="off"
        spellCheck={false}
        aria-busy={busy}
        data-autofocus
      />
      <div key={last?.seq} className="wh-scan-msg" data-tone={tone} role={tone === 'error' ? 'alert' : 'status'} aria-live={tone === 'error' ? 'assertive' : 'polite'} data-testid="scan-message">
        {tone === 'ok' && <IconCircleCheck size={16} />}
        {tone === 'warn' && <IconAlertTriangle size={16} />}
        {tone === 'error' && <IconX size={16} />}
        {last ? last.message : <span style={{ color: 'var(--mantine-color-gray-6)', fontWeight: 400 }}>Waiting for a scan — each scan adds one (a GS1 label adds its count and fills lot or serial).</span>}
      </div>
    </div>
  );
});
