#!/usr/bin/env node
/**
 * Draws Branchline's app icon and writes the files electron-builder packages:
 *   build/icon.png   512×512 (Linux; macOS, where electron-builder makes the .icns from it)
 *   build/icon.ico   16, 24, 32, 48, 64 (bitmaps) and 256 (PNG) for Windows and the NSIS installer
 * No dependencies: the shapes are signed-distance functions, anti-aliased, and the PNG
 * and ICO encoders are a few lines over node:zlib. Run again after changing the drawing:
 *   node build/make-icons.mjs
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const BACKGROUND = [15, 118, 110]; // teal-700
const FOREGROUND = [255, 255, 255];

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

/** Distance to a rounded square of half-size h and radius r, centred at 0.5. */
function roundedSquare(x, y, h, r) {
  const qx = Math.abs(x - 0.5) - h + r;
  const qy = Math.abs(y - 0.5) - h + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function segment(x, y, ax, ay, bx, by) {
  const px = x - ax;
  const py = y - ay;
  const dx = bx - ax;
  const dy = by - ay;
  const t = clamp((px * dx + py * dy) / (dx * dx + dy * dy), 0, 1);
  return Math.hypot(px - dx * t, py - dy * t);
}

/** A branch: a trunk, a limb leaving it, three nodes. Distance in icon units (0..1). */
function glyph(x, y) {
  const w = 0.045;
  const trunk = segment(x, y, 0.36, 0.355, 0.36, 0.76) - w;
  // The limb: from the trunk up and right to the top-right node (a straight quarter-bend).
  const limb = Math.min(segment(x, y, 0.36, 0.62, 0.64, 0.44) - w, segment(x, y, 0.64, 0.44, 0.64, 0.32) - w);
  const node = (cx, cy) => Math.hypot(x - cx, y - cy) - 0.085;
  const ring = (cx, cy) => Math.abs(Math.hypot(x - cx, y - cy) - 0.085) - 0.03;
  return Math.min(trunk, limb, ring(0.36, 0.24), node(0.36, 0.76), node(0.64, 0.3));
}

/** RGBA pixels of the icon at size×size, supersampled 4×4. */
export function drawIcon(size) {
  const px = Buffer.alloc(size * size * 4);
  const s = 4;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let cover = 0;
      let ink = 0;
      for (let sy = 0; sy < s; sy++) {
        for (let sx = 0; sx < s; sx++) {
          const x = (i + (sx + 0.5) / s) / size;
          const y = (j + (sy + 0.5) / s) / size;
          if (roundedSquare(x, y, 0.46, 0.1) <= 0) {
            cover++;
            if (glyph(x, y) <= 0) ink++;
          }
        }
      }
      const a = cover / (s * s);
      const t = cover ? ink / cover : 0;
      const o = (j * size + i) * 4;
      for (let c = 0; c < 3; c++) px[o + c] = Math.round(BACKGROUND[c] * (1 - t) + FOREGROUND[c] * t);
      px[o + 3] = Math.round(a * 255);
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An 8-bit RGBA PNG. */
export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // no filter
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A 32-bit BMP (DIB) icon image: bottom-up BGRA plus the 1-bit AND mask. */
function encodeDib(size, rgba) {
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // XOR + AND masks
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = (y * size + x) * 4;
      const to = ((size - 1 - y) * size + x) * 4;
      pixels[to] = rgba[from + 2];
      pixels[to + 1] = rgba[from + 1];
      pixels[to + 2] = rgba[from];
      pixels[to + 3] = rgba[from + 3];
    }
  }
  const maskRow = Math.ceil(size / 32) * 4;
  const mask = Buffer.alloc(maskRow * size); // all 0: the alpha channel decides
  return Buffer.concat([header, pixels, mask]);
}

/** An .ico with bitmap entries for the small sizes and a PNG entry for 256. */
export function encodeIco(images) {
  const dir = Buffer.alloc(6 + 16 * images.length);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2);
  dir.writeUInt16LE(images.length, 4);
  let offset = dir.length;
  images.forEach(({ size, data }, i) => {
    const e = 6 + 16 * i;
    dir[e] = size >= 256 ? 0 : size;
    dir[e + 1] = size >= 256 ? 0 : size;
    dir.writeUInt16LE(1, e + 4);
    dir.writeUInt16LE(32, e + 6);
    dir.writeUInt32LE(data.length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += data.length;
  });
  return Buffer.concat([dir, ...images.map((i) => i.data)]);
}

export function makeIcons(dir = fileURLToPath(new URL('.', import.meta.url))) {
  const png = encodePng(512, drawIcon(512));
  writeFileSync(new URL('icon.png', `file://${dir.endsWith('/') ? dir : `${dir}/`}`), png);
  const images = [16, 24, 32, 48, 64].map((size) => ({ size, data: encodeDib(size, drawIcon(size)) }));
  images.push({ size: 256, data: encodePng(256, drawIcon(256)) });
  const ico = encodeIco(images);
  writeFileSync(new URL('icon.ico', `file://${dir.endsWith('/') ? dir : `${dir}/`}`), ico);
  return { png: png.length, ico: ico.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = makeIcons();
  console.log(`build/icon.png ${sizes.png} bytes, build/icon.ico ${sizes.ico} bytes`);
}
