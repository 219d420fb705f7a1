/**
 * Short tones for scanning, made with the Web Audio API (no sound files): one high blip for a
 * good scan, two low buzzes for a wrong one, so a picker hears the result without looking.
 */
let ctx: AudioContext | null = null;

function audio(): AudioContext | null {
  if (typeof window === 'undefined' || typeof window.AudioContext === 'undefined') return null;
  try {
    ctx ??= new window.AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
    return ctx;
  } catch {
    return null;
  }
}

function tone(frequency: number, start: number, duration: number, type: OscillatorType, volume: number): void {
  const a = audio();
  if (!a) return;
  const osc = a.createOscillator();
  const gain = a.createGain();
  osc.type = type;
  osc.frequency.value = frequency;
  const t0 = a.currentTime + start;
  gain.gain.setValueAtTime(0.0001, t0);
  gain.gain.exponentialRampToValueAtTime(volume, t0 + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, t0 + duration);
  osc.connect(gain).connect(a.destination);
  osc.start(t0);
  osc.stop(t0 + duration + 0.02);
}

export function beep(kind: 'ok' | 'warn' | 'error'): void {
  if (kind === 'ok') tone(1760, 0, 0.08, 'sine', 0.15);
  else if (kind === 'warn') tone(660, 0, 0.18, 'triangle', 0.2);
  else {
    tone(220, 0, 0.16, 'square', 0.18);
    tone(220, 0.22, 0.16, 'square', 0.18);
  }
}
