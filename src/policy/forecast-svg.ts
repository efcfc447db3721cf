/**
 * The forecast as a self-contained SVG timeline (no scripts, fonts or external references): one
 * row per certificate with its validity bars, renewal points (green), alert points (orange) and
 * risks (red), and a date axis. Pure: forecast in, text out.
 */
import type { Forecast } from './forecast.js';

const DAY = 86_400_000;
const LEFT = 170;
const RIGHT = 30;
const TOP = 50;
const ROW = 46;
const WIDTH = 1000;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function forecastSvg(f: Forecast): string {
  const from = Date.parse(f.from);
  const to = Date.parse(f.to);
  const span = Math.max(to - from, 1);
  const plot = WIDTH - LEFT - RIGHT;
  const x = (t: number) => LEFT + ((Math.min(Math.max(t, from), to) - from) / span) * plot;
  const height = TOP + f.certificates.length * ROW + 60;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<title>certloop forecast ${esc(f.from.slice(0, 10))} to ${esc(f.to.slice(0, 10))}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="20" font-size="14" font-weight="bold">Renewal forecast, ${esc(f.from.slice(0, 10))} to ${esc(f.to.slice(0, 10))}</text>`);

  // Axis: about eight ticks on whole days.
  const stepDays = Math.max(1, Math.round(span / DAY / 8));
  const axisY = TOP + f.certificates.length * ROW + 10;
  out.push(`<line x1="${LEFT}" y1="${axisY}" x2="${WIDTH - RIGHT}" y2="${axisY}" stroke="#444"/>`);
  for (let t = from; t <= to; t += stepDays * DAY) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${TOP - 8}" x2="${x(t).toFixed(1)}" y2="${axisY + 4}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${axisY + 18}" text-anchor="middle" fill="#444">${esc(new Date(t).toISOString().slice(0, 10))}</text>`);
  }

  f.certificates.forEach((c, i) => {
    const y = TOP + i * ROW;
    out.push(`<g class="certificate" data-name="${esc(c.name)}">`);
    out.push(`<text x="10" y="${y + 18}" font-weight="bold">${esc(c.name)}</text>`);
    out.push(`<text x="10" y="${y + 32}" fill="#666" font-size="10">${esc(c.policy)}</text>`);
    for (const v of c.validity) {
      const a = Date.parse(v.notBefore);
      const b = Date.parse(v.notAfter);
      if (b < from || a > to) continue;
      const w = Math.max(x(b) - x(a), 1);
      out.push(
        `<rect class="validity" x="${x(a).toFixed(1)}" y="${y + 8}" width="${w.toFixed(1)}" height="18" rx="3" fill="${v.simulated ? '#a9c9ef' : '#3f7fc9'}" stroke="#2b5f99"><title>${esc(`${v.serial}: ${v.notBefore} .. ${v.notAfter}${v.simulated ? ' (simulated)' : ''}`)}</title></rect>`,
      );
    }
    for (const r of c.renewals) {
      out.push(`<circle class="renewal" cx="${x(Date.parse(r.at)).toFixed(1)}" cy="${y + 17}" r="5" fill="#2e9e44" stroke="#fff"><title>${esc(`renewal ${r.at} [${r.source ?? '-'}]: ${r.reason}`)}</title></circle>`);
    }
    for (const a of c.alerts) {
      const ax = x(Date.parse(a.at));
      out.push(`<path class="alert" d="M${ax.toFixed(1)},${y + 28} l5,9 h-10 z" fill="#f0a020"><title>${esc(`alert ${a.at}: ${a.message}`)}</title></path>`);
    }
    for (const r of c.risks.filter((r) => r.at)) {
      const rx = x(Date.parse(r.at!));
      out.push(`<g class="risk"><title>${esc(`${r.kind}: ${r.message}`)}</title><line x1="${rx - 5}" y1="${y + 3}" x2="${rx + 5}" y2="${y + 13}" stroke="#d22" stroke-width="2"/><line x1="${rx - 5}" y1="${y + 13}" x2="${rx + 5}" y2="${y + 3}" stroke="#d22" stroke-width="2"/></g>`);
    }
    out.push('</g>');
  });

  const ly = height - 14;
  out.push(`<rect x="${LEFT}" y="${ly - 10}" width="14" height="10" fill="#3f7fc9"/><text x="${LEFT + 18}" y="${ly}">current certificate</text>`);
  out.push(`<rect x="${LEFT + 140}" y="${ly - 10}" width="14" height="10" fill="#a9c9ef"/><text x="${LEFT + 158}" y="${ly}">simulated renewal</text>`);
  out.push(`<circle cx="${LEFT + 290}" cy="${ly - 4}" r="5" fill="#2e9e44"/><text x="${LEFT + 300}" y="${ly}">renewal</text>`);
  out.push(`<path d="M${LEFT + 370},${ly - 10} l5,9 h-10 z" fill="#f0a020"/><text x="${LEFT + 380}" y="${ly}">alert</text>`);
  out.push(`<text x="${LEFT + 430}" y="${ly}" fill="#d22">✕ risk</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
