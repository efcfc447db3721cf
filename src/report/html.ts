/**
 * The status page as one self-contained HTML document: inline CSS, an inline SVG timeline, no
 * JavaScript, nothing fetched from the network (a Content-Security-Policy in the page says so, and
 * the browser enforces it), so it works offline, from a file, behind a strict proxy, or mailed.
 *
 * Plain and accessible on purpose: real headings and tables with header cells, every state said in
 * words as well as colour (contrast at least 4.5:1), the timeline described in text, and a layout
 * that stacks table rows into cards in a narrow window instead of scrolling sideways.
 */
import { relative } from '../util/relative-time.js';
import type { WatchedView } from '../watch/view.js';
import type { AddressView, Attention, CertificateView, EventView, StatusModel } from './model.js';

export interface RenderOptions {
  /** Ask the browser to reload the page every N seconds (the daemon's live page); off by default. */
  refreshSeconds?: number;
}

export function renderStatusPage(model: StatusModel, opts: RenderOptions = {}): string {
  const now = new Date(model.generatedAt);
  const s = model.summary;
  const title = `certloop: ${summaryWords(model).join(', ') || 'no certificates'}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
${opts.refreshSeconds ? `<meta http-equiv="refresh" content="${Math.max(5, Math.round(opts.refreshSeconds))}">\n` : ''}<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="page">
<h1>Certificate status</h1>
<p class="meta">As of ${time(model.generatedAt, now, false)}${model.configFile ? ` · config <code>${esc(model.configFile)}</code>` : ''}${model.directory ? ` · ACME <code>${esc(model.directory)}</code>` : ''}</p>
<ul class="summary" aria-label="Summary">
${summaryItems(model).join('\n')}
</ul>
</header>
<main>
<section aria-labelledby="overview-h">
<h2 id="overview-h">Certificates, most urgent first</h2>
${s.total === 0 ? '<p>No certificates are configured.</p>' : overviewTable(model.certificates, now)}
</section>
<section aria-labelledby="timeline-h">
<h2 id="timeline-h">Timeline</h2>
${timeline(model.certificates, now)}
</section>
${model.certificates.map((c) => certificateSection(c, now)).join('\n')}
${model.watched ? watchedSection(model.watched, now) : ''}
<section aria-labelledby="events-h">
<h2 id="events-h">Recent events</h2>
${eventsTable(model.events, now, true)}
</section>
</main>
<footer><p>certloop status page · no JavaScript, nothing loaded from the network · times in UTC</p></footer>
</body>
</html>
`;
}

// ---------------------------------------------------------------- words, badges, times

const ICON: Record<Attention, string> = { critical: '✕', warning: '!', info: 'i', ok: '✓' };
const ATTENTION_WORD: Record<Attention, string> = { critical: 'needs action', warning: 'needs a look', info: 'in progress', ok: 'healthy' };
const STATE_WORD: Record<string, string> = { Ready: 'Ready', Deployed: 'Deployed, unconfirmed', Pending: 'Pending', Failed: 'Failed', New: 'New', InProgress: 'In progress' };
const SOURCE_WORD: Record<string, string> = {
  ari: 'ARI window from the CA',
  fraction: 'fraction of lifetime',
  days: 'days before expiry',
  emergency: 'emergency floor',
  retry: 'retry schedule',
  forced: 'forced',
};

function summaryWords(model: StatusModel): string[] {
  const s = model.summary;
  return [
    s.failed && `${s.failed} failed`,
    s.pending && `${s.pending} pending`,
    s.unconfirmed && `${s.unconfirmed} deployed, unconfirmed`,
    s.other && `${s.other} new or in progress`,
    s.ready && `${s.ready} ready`,
  ].filter((x): x is string => !!x);
}

function summaryItems(model: StatusModel): string[] {
  const s = model.summary;
  const items: [Attention, number, string][] = [
    ['critical', s.failed, 'failed'],
    ['warning', s.pending, 'pending'],
    ['warning', s.unconfirmed, 'deployed, unconfirmed'],
    ['warning', s.staleAddresses, s.staleAddresses === 1 ? 'stale address' : 'stale addresses'],
    ['info', s.other, 'new or in progress'],
    ['ok', s.ready, 'ready'],
    ['critical', model.watched?.filter((w) => w.state === 'problem').length ?? 0, 'watched with a problem'],
  ];
  const shown = items.filter(([, n]) => n > 0);
  if (shown.length === 0) return ['<li>No certificates</li>'];
  return shown.map(([a, n, word]) => `<li class="chip att-${a}"><span aria-hidden="true">${ICON[a]}</span> <strong>${n}</strong> ${esc(word)}</li>`);
}

function badge(c: CertificateView): string {
  return `<span class="badge att-${c.attention}"><span aria-hidden="true">${ICON[c.attention]}</span> ${esc(STATE_WORD[c.state] ?? c.state)}</span>`;
}

function fmt(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** A machine-readable time with the UTC date and, optionally, "in 3d" / "2h ago". */
function time(iso: string | undefined, now: Date, rel = true): string {
  if (!iso) return '<span class="none">–</span>';
  return `<time datetime="${esc(iso)}">${esc(fmt(iso))} UTC</time>${rel ? ` <span class="rel">(${esc(relative(iso, now))})</span>` : ''}`;
}

/** The date only, with the full time in a tooltip: enough for the overview. */
function day(iso: string, now: Date): string {
  return `<time datetime="${esc(iso)}" title="${esc(fmt(iso))} UTC">${esc(iso.slice(0, 10))}</time> <span class="rel">(${esc(relative(iso, now))})</span>`;
}

function expiryWords(iso: string, now: Date): string {
  return Date.parse(iso) <= now.getTime() ? `expired ${relative(iso, now)}` : `expires ${relative(iso, now)}`;
}

function serial(s: string | undefined): string {
  return s ? `<code class="serial">${esc(s)}</code>` : '<span class="none">–</span>';
}

// ---------------------------------------------------------------- watched endpoints

/** Rows shown at most: every endpoint with a problem, then healthy ones up to this many. */
export const WATCHED_ROWS = 500;
const CONDITION_WORD: Record<string, string> = { expired: 'Expired', unreachable: 'Not answering', drift_detected: 'Unexpected serial', chain_problem: 'Chain problem', expiring_soon: 'Expiring soon' };

function watchedAttention(w: WatchedView): Attention {
  if (w.state === 'unchecked') return 'info';
  if (w.conditions.length === 0) return 'ok';
  return w.conditions.every((c) => c.type === 'expiring_soon') ? 'warning' : 'critical';
}

function watchedSection(watched: WatchedView[], now: Date): string {
  const shown = watched.filter((w, i) => w.state !== 'ok' || i < WATCHED_ROWS);
  const hidden = watched.length - shown.length;
  const problems = watched.filter((w) => w.state === 'problem').length;
  const rows = shown.map((w) => {
    const a = watchedAttention(w);
    const state = w.state === 'unchecked' ? 'Not checked yet' : w.conditions.map((c) => CONDITION_WORD[c.type] ?? c.type).join(', ') || 'Healthy';
    const where = `${w.host.includes(':') ? `[${w.host}]` : w.host}:${w.port}`;
    return `<tr class="att-${a}" data-watched="${esc(w.name)}">
<th scope="row">${esc(w.name)}${w.name === where ? '' : `<span class="domains">${esc(where)}</span>`}</th>
<td data-label="State"><span class="badge att-${a}"><span aria-hidden="true">${ICON[a]}</span> ${esc(state)}</span></td>
<td data-label="Serial">${w.serials.length ? w.serials.map((x) => serial(x)).join(' ') : '<span class="none">–</span>'}${w.expectSerial ? `<br><span class="rel">expected ${serial(w.expectSerial)}</span>` : ''}</td>
<td data-label="Issuer">${w.issuer ? esc(w.issuer) : '<span class="none">–</span>'}</td>
<td data-label="Expires">${w.notAfter ? day(w.notAfter, now) : '<span class="none">–</span>'}</td>
<td data-label="Checked">${w.checkedAt ? time(w.checkedAt, now) : '<span class="none">never</span>'}</td>
<td data-label="Summary" class="why">${esc(w.conditions[0]?.message ?? (w.changed ? `changed from ${w.changed.from} ${relative(w.changed.at, now)}` : w.origin))}</td>
</tr>`;
  });
  return `<section aria-labelledby="watched-h" id="watched">
<h2 id="watched-h">Watched, most urgent first</h2>
<p>${watched.length} endpoint(s) certloop watches without issuing for them; ${problems} with a problem.</p>
${watched.length === 0 ? '' : `<table class="stack overview watched">
<thead><tr><th scope="col">Endpoint</th><th scope="col">State</th><th scope="col">Serial</th><th scope="col">Issuer</th><th scope="col">Expires</th><th scope="col">Checked</th><th scope="col">Summary</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`}${hidden > 0 ? `\n<p>and ${hidden} more healthy endpoint(s) (<code>certloop status --json</code> lists them all).</p>` : ''}
</section>`;
}

// ---------------------------------------------------------------- overview

function overviewTable(certs: CertificateView[], now: Date): string {
  const rows = certs.map((c) => {
    const served = c.addresses.filter((a) => a.status === 'ok').length;
    const endpoints = c.addresses.length === 0
      ? '<span class="none">none configured</span>'
      : c.addresses.every((a) => a.status === 'unchecked')
        ? `${c.addresses.length} not checked yet`
        : `${served} of ${c.addresses.length} serve the deployed certificate${c.staleAddresses ? ` <strong class="flag">· ${c.staleAddresses} stale</strong>` : ''}`;
    const expires = c.notAfter
      ? `${day(c.notAfter, now)}${c.soonestExpiry?.early ? `<br><strong class="flag">but one served ${esc(expiryWords(c.soonestExpiry.at, now))}</strong>` : ''}`
      : '<span class="none">no certificate</span>';
    return `<tr class="att-${c.attention}" data-certificate="${esc(c.name)}">
<th scope="row"><a href="#${anchor(c.name)}">${esc(c.name)}</a><span class="domains">${esc(c.domains.join(', '))}</span></th>
<td data-label="State">${badge(c)}</td>
<td data-label="Endpoints">${endpoints}</td>
<td data-label="Expires">${expires}</td>
<td data-label="Next renewal">${renewal(c, now, true)}</td>
<td data-label="Summary" class="why">${esc(c.reasons[0] ?? '')}</td>
</tr>`;
  });
  return `<table class="stack overview">
<thead><tr><th scope="col">Certificate</th><th scope="col">State</th><th scope="col">Endpoints</th><th scope="col">Expires</th><th scope="col">Next renewal</th><th scope="col">Summary</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function renewal(c: CertificateView, now: Date, short = false): string {
  if (!c.renewal) return '<span class="none">after the first issuance</span>';
  const source = SOURCE_WORD[c.renewal.source] ?? c.renewal.source;
  return `${short ? day(c.renewal.at, now) : time(c.renewal.at, now)}${c.renewal.overdue ? ' <strong class="flag">overdue</strong>' : ''}<br><span class="source">by ${esc(source)}</span>`;
}

function drill(c: CertificateView, now: Date): string {
  const d = c.lastDrill;
  if (!d) return '<span class="none">none yet</span>';
  const how = `<span class="source">${d.trigger === 'daemon' ? 'scheduled' : 'by hand'}</span>`;
  if (d.passed) return `<span class="result ok"><span aria-hidden="true">✓</span> passed</span> ${time(d.at, now)} ${how}`;
  return `<strong class="flag">failed at ${esc(d.failedStep ?? '?')}</strong> ${time(d.at, now)} ${how}<br><span class="message">${esc(d.reason ?? '')}</span>`;
}

function anchor(name: string): string {
  return `cert-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

// ---------------------------------------------------------------- one certificate

function certificateSection(c: CertificateView, now: Date): string {
  const id = anchor(c.name);
  const f = c.lastFailure;
  const failure = f
    ? `<div class="failure" role="note" aria-label="Last failure">
<p><strong><span aria-hidden="true">✕</span> ${esc(capitalize(f.step))} failed</strong> ${time(f.at, now)} · attempt ${f.attempts} · <code>${esc(f.code)}</code></p>
<p class="message">${esc(f.message)}</p>
${f.nextAttemptAt ? `<p>Next attempt: ${time(f.nextAttemptAt, now)}</p>` : ''}
</div>`
    : '';
  const reasons = c.reasons.length > (f ? 1 : 0) ? `<ul class="reasons">${c.reasons.slice(f ? 1 : 0).map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
  return `<section class="cert att-${c.attention}" id="${id}" aria-labelledby="${id}-h" data-certificate="${esc(c.name)}">
<h2 id="${id}-h">${esc(c.name)} ${badge(c)}</h2>
<p class="domains">${esc(c.domains.join(', '))} · ${esc(ATTENTION_WORD[c.attention])}</p>
${failure}
${reasons}
<dl class="facts">
<div><dt>Issued serial</dt><dd>${serial(c.serials.issued)}</dd></div>
<div><dt>Deployed serial</dt><dd>${serial(c.serials.deployed)}${c.serials.issued && c.serials.deployed && c.serials.issued !== c.serials.deployed ? ' <strong class="flag">not the newest</strong>' : ''}</dd></div>
<div><dt>Valid</dt><dd>${c.notBefore ? `${time(c.notBefore, now, false)} to ${time(c.notAfter, now)}` : '<span class="none">no certificate yet</span>'}</dd></div>
${c.profile ? `<div><dt>ACME profile</dt><dd><code>${esc(c.profile)}</code></dd></div>\n` : ''}<div><dt>Next renewal</dt><dd>${renewal(c, now)}</dd></div>
<div><dt>Next step</dt><dd><code>${esc(c.next.action)}</code> ${esc(c.next.message)}${c.next.retryAt ? ` (not before ${time(c.next.retryAt, now)})` : ''}</dd></div>
<div><dt>Last verified</dt><dd>${time(c.lastVerifiedAt, now)}${c.verificationOutdated ? ' <strong class="flag">checked an older deployment</strong>' : ''}</dd></div>
<div><dt>Last drill</dt><dd>${drill(c, now)}</dd></div>
</dl>
<h3>Endpoints</h3>
${addressTable(c, now)}
<h3>Conditions</h3>
${conditionsTable(c, now)}
<h3>Recent events</h3>
${eventsTable(c.events, now, false)}
</section>`;
}

const ADDRESS_RESULT: Record<AddressView['status'], string> = {
  ok: '<span class="result ok"><span aria-hidden="true">✓</span> serves the deployed certificate</span>',
  stale: '<strong class="result stale"><span aria-hidden="true">✕</span> STALE: serves another certificate</strong>',
  unreachable: '<strong class="result stale"><span aria-hidden="true">✕</span> unreachable</strong>',
  unchecked: '<span class="result none">not checked yet</span>',
};

function addressTable(c: CertificateView, now: Date): string {
  if (c.addresses.length === 0) return '<p class="none">No endpoints configured: certloop cannot confirm this certificate is served.</p>';
  const rows = c.addresses.map(
    (a) => `<tr class="addr-${a.status}" data-address="${esc(a.address)}">
<th scope="row">${esc(a.endpoint)}${a.address !== '-' ? `<span class="domains">address ${esc(a.address)}</span>` : ''}</th>
<td data-label="Result">${ADDRESS_RESULT[a.status]}${a.error ? `<br><span class="message">${esc(a.error)}</span>` : ''}</td>
<td data-label="Serves">${serial(a.served)}${a.servedIs && a.status !== 'ok' ? `<br><span class="source">${esc(a.servedIs)}</span>` : ''}</td>
<td data-label="Expected">${serial(a.expected)}</td>
<td data-label="Served expiry">${time(a.servedNotAfter, now)}</td>
</tr>`,
  );
  return `<table class="stack addresses">
<thead><tr><th scope="col">Endpoint and address</th><th scope="col">Result</th><th scope="col">Serves</th><th scope="col">Expected</th><th scope="col">Served expiry</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function conditionsTable(c: CertificateView, now: Date): string {
  const rows = c.conditions.map(
    (k) => `<tr class="cond-${k.status.toLowerCase()}">
<th scope="row">${esc(k.type)}</th>
<td data-label="Status"><span class="status-${k.status.toLowerCase()}">${esc(k.status)}</span></td>
<td data-label="Reason"><code>${esc(k.reason)}</code></td>
<td data-label="Message" class="message">${esc(k.message) || '<span class="none">–</span>'}</td>
<td data-label="Since">${time(k.since, now)}</td>
</tr>`,
  );
  return `<table class="stack conditions">
<thead><tr><th scope="col">Condition</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Message</th><th scope="col">Since</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function eventsTable(events: EventView[], now: Date, withCertificate: boolean): string {
  if (events.length === 0) return '<p class="none">No events recorded yet.</p>';
  const rows = events.map(
    (e) => `<tr class="${e.failure ? 'event-failed' : 'event'}">
<td data-label="When">${time(e.at, now)}</td>
${withCertificate ? `<td data-label="Certificate"><a href="#${anchor(e.certificate)}">${esc(e.certificate)}</a></td>\n` : ''}<td data-label="Event">${e.failure ? `<strong class="flag"><span aria-hidden="true">✕</span> ${esc(e.type)}</strong>` : esc(e.type)}</td>
<td data-label="Message" class="message">${esc(e.message)}</td>
</tr>`,
  );
  return `<table class="stack events">
<thead><tr><th scope="col">When</th>${withCertificate ? '<th scope="col">Certificate</th>' : ''}<th scope="col">Event</th><th scope="col">Message</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

// ---------------------------------------------------------------- timeline

const ROW_HEIGHT = 46;
const AXIS_HEIGHT = 30;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TICK_STEPS = [HOUR, 6 * HOUR, DAY, 7 * DAY];

/**
 * Validity bars and renewal points on one time axis. Horizontal positions are percentages of the
 * SVG's width and text has a fixed size, so the chart stretches to any window without shrinking
 * its labels (a viewBox would scale the text down to nothing on a phone).
 */
function timeline(certs: CertificateView[], now: Date): string {
  if (certs.length === 0) return '<p class="none">Nothing to show.</p>';
  const times = [now.getTime()];
  for (const c of certs) {
    for (const t of [c.notBefore, c.notAfter, c.renewal?.at, c.soonestExpiry?.at]) if (t) times.push(Date.parse(t));
  }
  const start = Math.min(...times);
  const end = Math.max(Math.max(...times), start + DAY);
  const x = (t: number | string) => {
    const ms = typeof t === 'string' ? Date.parse(t) : t;
    return `${(3 + (94 * (ms - start)) / (end - start)).toFixed(2)}%`;
  };
  const height = AXIS_HEIGHT + certs.length * ROW_HEIGHT + 8;
  // Labels near an edge grow inwards so they are not cut off.
  const anchorNear = (t: number) => ((t - start) / (end - start) < 0.1 ? 'start' : (t - start) / (end - start) > 0.9 ? 'end' : 'middle');

  const rows = certs.map((c, i) => {
    const y = AXIS_HEIGHT + i * ROW_HEIGHT;
    const parts = [`<text class="label" x="3%" y="${y + 13}">${esc(c.name)} · ${esc(STATE_WORD[c.state] ?? c.state)}${c.attention === 'critical' || c.attention === 'warning' ? ` (${ATTENTION_WORD[c.attention]})` : ''}</text>`];
    parts.push(`<line class="track" x1="3%" x2="97%" y1="${y + 27}" y2="${y + 27}"/>`);
    if (c.notBefore && c.notAfter) {
      const w = ((94 * (Date.parse(c.notAfter) - Date.parse(c.notBefore))) / (end - start)).toFixed(2);
      parts.push(`<rect class="bar att-${c.attention}" x="${x(c.notBefore)}" y="${y + 20}" width="${w}%" height="14" rx="3"><title>${esc(`${c.name}: valid ${fmt(c.notBefore)} to ${fmt(c.notAfter)} UTC`)}</title></rect>`);
    } else {
      parts.push(`<text class="none" x="3%" y="${y + 32}">no certificate issued yet</text>`);
    }
    if (c.soonestExpiry?.early) {
      parts.push(`<line class="served-expiry" x1="${x(c.soonestExpiry.at)}" x2="${x(c.soonestExpiry.at)}" y1="${y + 16}" y2="${y + 38}"><title>${esc(`the certificate ${c.soonestExpiry.what} expires ${fmt(c.soonestExpiry.at)} UTC`)}</title></line>`);
    }
    if (c.renewal) {
      parts.push(`<circle class="renew${c.renewal.overdue ? ' overdue' : ''}" cx="${x(c.renewal.at)}" cy="${y + 27}" r="6"><title>${esc(`${c.name}: renewal ${fmt(c.renewal.at)} UTC (${SOURCE_WORD[c.renewal.source] ?? c.renewal.source})`)}</title></circle>`);
    }
    return `<g class="row" data-certificate="${esc(c.name)}">${parts.join('')}</g>`;
  });

  const description = certs
    .map((c) =>
      c.notBefore && c.notAfter
        ? `${c.name}: valid ${fmt(c.notBefore)} to ${fmt(c.notAfter)}${c.renewal ? `, renewal ${fmt(c.renewal.at)}` : ''}${c.soonestExpiry?.early ? `, an older certificate still served expires ${fmt(c.soonestExpiry.at)}` : ''}.`
        : `${c.name}: no certificate yet.`,
    )
    .join(' ');

  return `<figure class="timeline">
<svg role="img" aria-labelledby="tl-title tl-desc" width="100%" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="tl-title">Validity periods and renewal points (UTC)</title>
<desc id="tl-desc">${esc(description)}</desc>
${ticks(start, end, now.getTime(), x, anchorNear, height)}
${rows.join('\n')}
<line class="now" x1="${x(now.getTime())}" x2="${x(now.getTime())}" y1="${AXIS_HEIGHT - 8}" y2="${height}"/>
<text class="now-label" x="${x(now.getTime())}" y="12" text-anchor="${anchorNear(now.getTime())}">now</text>
</svg>
<figcaption>
<span class="key"><svg width="22" height="12" aria-hidden="true"><rect class="bar att-ok" x="1" y="1" width="20" height="10" rx="2"/></svg> validity of the newest certificate (colour follows its state)</span>
<span class="key"><svg width="14" height="14" aria-hidden="true"><circle class="renew" cx="7" cy="7" r="5"/></svg> renewal time (filled red when overdue)</span>
<span class="key"><svg width="8" height="14" aria-hidden="true"><line class="served-expiry" x1="4" x2="4" y1="0" y2="14"/></svg> an older certificate that is still served expires</span>
<span class="key"><svg width="8" height="14" aria-hidden="true"><line class="now" x1="4" x2="4" y1="0" y2="14"/></svg> now</span>
</figcaption>
</figure>`;
}

function ticks(start: number, end: number, now: number, x: (t: number) => string, anchorNear: (t: number) => string, height: number): string {
  const out: string[] = [];
  tickTimes(start, end).forEach(({ t, label }, i) => {
    // A date label right next to "now" would print on top of it.
    const nearNow = Math.abs(t - now) < (end - start) / 12;
    out.push(`<line class="tick" x1="${x(t)}" x2="${x(t)}" y1="${AXIS_HEIGHT - 4}" y2="${height}"/>${nearNow ? '' : `<text class="tick-label${i % 2 ? ' minor' : ''}" x="${x(t)}" y="12" text-anchor="${anchorNear(t)}">${label}</text>`}`);
  });
  return out.join('\n');
}

/**
 * At most about six ticks on round UTC times: hours, days or weeks for short spans, the first of
 * every month (or every 3 or 12 months) for long ones, so labels read as dates, not instants.
 */
function tickTimes(start: number, end: number): { t: number; label: string }[] {
  const span = end - start;
  const out: { t: number; label: string }[] = [];
  const short = TICK_STEPS.find((s) => s <= 7 * DAY && span / s <= 6);
  if (short) {
    const unit = short < DAY ? HOUR : DAY;
    for (let t = Math.ceil(start / unit) * unit; t <= end; t += short) {
      const iso = new Date(t).toISOString();
      out.push({ t, label: short < DAY ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10) });
    }
    return out;
  }
  const months = [1, 3, 12, 24, 60].find((m) => span / (m * 30 * DAY) <= 6) ?? 120;
  const first = new Date(start);
  let month = first.getUTCFullYear() * 12 + first.getUTCMonth() + 1;
  month = Math.ceil(month / months) * months;
  for (let t = Date.UTC(Math.floor(month / 12), month % 12, 1); t <= end; month += months, t = Date.UTC(Math.floor(month / 12), month % 12, 1)) {
    const iso = new Date(t).toISOString();
    out.push({ t, label: months >= 12 ? iso.slice(0, 4) : iso.slice(0, 7) });
  }
  return out;
}

// ---------------------------------------------------------------- helpers

function esc(s: string | number | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Colours: every text/background pair here has a contrast ratio of at least 4.5:1 (WCAG AA).
const CSS = `
:root{--fg:#1b1f24;--muted:#505a64;--bg:#fff;--line:#d0d7de;--soft:#f6f8fa;
--crit:#b42318;--crit-bg:#fee4e2;--crit-fg:#7a271a;--warn:#b54708;--warn-bg:#fef0c7;--warn-fg:#7a2e0e;
--info:#175cd3;--info-bg:#d1e9ff;--info-fg:#194185;--ok:#067647;--ok-bg:#dcfae6;--ok-fg:#074d31}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:var(--fg);background:var(--bg)}
header.page,main,footer{max-width:78rem;margin:0 auto;padding:0 1rem}
header.page{padding-top:1rem}
h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.25rem;margin:1.8rem 0 .6rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
a{color:#0b4fb3}
code{font:.9em/1.3 ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace}
.serial{overflow-wrap:break-word}
.meta,.domains,.source,.rel,.none{color:var(--muted)}
.meta code{overflow-wrap:anywhere}
.domains{display:block;font-size:.88em;font-weight:400;overflow-wrap:break-word}
.summary{list-style:none;display:flex;flex-wrap:wrap;gap:.5rem;padding:0;margin:.8rem 0 0}
.chip,.badge{display:inline-block;border-radius:999px;padding:.15rem .65rem;border:1px solid;font-weight:600;white-space:nowrap}
.badge{font-size:.85rem;vertical-align:middle}
.att-critical.chip,.att-critical.badge{background:var(--crit-bg);color:var(--crit-fg);border-color:var(--crit)}
.att-warning.chip,.att-warning.badge{background:var(--warn-bg);color:var(--warn-fg);border-color:var(--warn)}
.att-info.chip,.att-info.badge{background:var(--info-bg);color:var(--info-fg);border-color:var(--info)}
.att-ok.chip,.att-ok.badge{background:var(--ok-bg);color:var(--ok-fg);border-color:var(--ok)}
.flag{color:var(--crit-fg)}
table{border-collapse:collapse;width:100%;margin:.3rem 0}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid var(--line)}
thead th{background:var(--soft);font-size:.85rem;color:var(--muted);border-bottom:2px solid var(--line)}
tbody th{font-weight:600}
td.message,td.why,.message{overflow-wrap:anywhere}
table.overview tbody tr{border-left:6px solid var(--line)}
table.overview tr.att-critical{border-left-color:var(--crit)}
table.overview tr.att-warning{border-left-color:var(--warn)}
table.overview tr.att-info{border-left-color:var(--info)}
table.overview tr.att-ok{border-left-color:var(--ok)}
tr.addr-stale,tr.addr-unreachable{background:var(--crit-bg)}
tr.addr-stale th,tr.addr-unreachable th{box-shadow:inset 6px 0 0 var(--crit)}
.result.ok{color:var(--ok-fg)}
.result.stale{color:var(--crit-fg)}
.status-true{color:var(--ok-fg);font-weight:600}
.status-false{color:var(--crit-fg);font-weight:600}
.status-unknown{color:var(--muted)}
tr.event-failed{background:var(--crit-bg)}
section.cert{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;padding:0 1rem .8rem;margin:1.2rem 0}
section.cert.att-critical{border-left-color:var(--crit)}
section.cert.att-warning{border-left-color:var(--warn)}
section.cert.att-info{border-left-color:var(--info)}
section.cert.att-ok{border-left-color:var(--ok)}
section.cert h2{margin-top:1rem;overflow-wrap:anywhere}
.failure{background:var(--crit-bg);color:var(--crit-fg);border:1px solid var(--crit);border-radius:6px;padding:.2rem .9rem;margin:.6rem 0}
.failure .rel{color:var(--crit-fg)}
.failure p{margin:.45rem 0}
.reasons{margin:.5rem 0;padding-left:1.2rem}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:.4rem 1.5rem;margin:.6rem 0}
.facts div{min-width:0}
.facts dt{font-size:.82rem;color:var(--muted)}
.facts dd{margin:0;overflow-wrap:anywhere}
figure.timeline{margin:0;border:1px solid var(--line);border-radius:6px;padding:.5rem .5rem .3rem}
figure.timeline>svg{display:block;overflow:hidden}
.tick{stroke:#e1e6eb;stroke-width:1}
.tick-label{font-size:11px;fill:var(--muted)}
.label{font-size:13px;font-weight:600;fill:var(--fg)}
.track{stroke:#e1e6eb;stroke-width:2}
.bar{stroke-width:1}
.bar.att-critical{fill:#f5a89f;stroke:var(--crit)}
.bar.att-warning{fill:#f9cf7e;stroke:var(--warn)}
.bar.att-info{fill:#9cc8f5;stroke:var(--info)}
.bar.att-ok{fill:#8ad6a6;stroke:var(--ok)}
.renew{fill:#fff;stroke:#1b1f24;stroke-width:2.5}
.renew.overdue{fill:var(--crit)}
.served-expiry{stroke:var(--crit);stroke-width:3;stroke-dasharray:4 2}
.now{stroke:#1b1f24;stroke-width:1.5;stroke-dasharray:3 3}
.now-label{font-size:11px;font-weight:600;fill:var(--fg)}
text.none{font-size:12px;fill:var(--muted)}
figcaption{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;font-size:.85rem;color:var(--muted);padding:.3rem .2rem 0}
figcaption svg{vertical-align:middle}
footer{margin:2rem auto 1rem;font-size:.85rem;color:var(--muted)}
@media (max-width:44rem){
  body{font-size:14px}
  table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
  table.stack,table.stack tbody,table.stack tr,table.stack th,table.stack td{display:block;width:100%}
  table.stack tr{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;padding:.2rem 0}
  table.stack th,table.stack td{border:0;padding:.2rem .7rem}
  table.stack td[data-label]{position:relative;padding-left:7.6rem}
  table.stack td[data-label]::before{content:attr(data-label);position:absolute;left:.7rem;width:6.6rem;padding-top:.1rem;font-size:.78rem;color:var(--muted);font-weight:600}
  .serial,.domains{overflow-wrap:anywhere}
  table.overview tbody tr{border-left-width:6px}
  .tick-label.minor{display:none}
}
@media print{.summary .chip,.badge{border-width:2px}section.cert{break-inside:avoid}}
`;
