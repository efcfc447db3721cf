/**
 * POST JSON to a notification endpoint. Slack and Teams webhook URLs are credentials (whoever has
 * the URL can post), so errors name only the host, never the path or query.
 */
export async function postJson(url: string, body: unknown, opts: { headers?: Record<string, string>; timeoutMs: number }): Promise<void> {
  const host = safeHost(url);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'certloop', ...opts.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${Math.round(opts.timeoutMs / 1000)}s` : (e.cause?.code ?? e.name);
    throw new Error(`cannot reach ${host}: ${why}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new Error(`${host} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`);
}

export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}
