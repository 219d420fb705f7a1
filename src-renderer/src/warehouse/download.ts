/** Saves a generated document: the base64 bytes become a Blob, handed to the browser (or Electron) as a download. */
export function downloadBase64(doc: { filename: string; contentType: string; base64: string }): void {
  const bin = atob(doc.base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: doc.contentType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = doc.filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
