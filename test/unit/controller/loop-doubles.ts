/**
 * Test doubles for driving the loop for one certificate (src/controller/certificate.ts) step by
 * step in one process: a clock the test moves, a CA behind the part of acme-client's interface
 * that src/acme/order.ts calls, a solver and targets implementing the real plug-in interfaces
 * (src/plugins.ts), an endpoint that is a real Node TLS server, and a state store that dies right
 * after a chosen write. The ACME protocol itself (JWS, nonces, HTTP) is tested against Pebble in
 * test/e2e; here the CA is a typed double at the `acmeClient` seam the context already has.
 */
import type acme from 'acme-client';
import { ValidationFailed } from '../../../src/acme/status-poll.js';
import { CertloopError } from '../../../src/errors.js';
import type { CertificateBundle, ChallengeTask, DeployContext, Solver, Target } from '../../../src/plugins.js';
import type { CertificateRecord, HistoryEvent } from '../../../src/state/record.js';
import type { AccountRecord, Lease, StateStore } from '../../../src/state/store.js';
import { certifyCsr, makeCertificate, type Issued } from '../../support/certs.js';
import { startTlsServer, type Served, type TestServer } from '../../support/tls-servers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Time as the loop sees it: fixed until the test moves it. */
export class Clock {
  constructor(private t: number) {}
  readonly now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
  /** Moves to just after `at`. */
  passTo(at: Date | string): void {
    this.t = Math.max(this.t, new Date(at).getTime() + 1000);
  }
}

/** A root and an intermediate valid for ten years around `at`, so certificates never depend on the real date. */
export function testCa(at: Date): { root: Issued; intermediate: Issued } {
  const notBefore = new Date(at.getTime() - 365 * DAY);
  const notAfter = new Date(at.getTime() + 3650 * DAY);
  const root = makeCertificate({ cn: 'loop test root', ca: true, notBefore, notAfter });
  const intermediate = makeCertificate({ cn: 'loop test intermediate', ca: true, issuer: root, notBefore, notAfter });
  return { root, intermediate };
}

type OrderApi = Pick<
  acme.Client,
  'createOrder' | 'getOrder' | 'getAuthorizations' | 'getChallengeKeyAuthorization' | 'completeChallenge' | 'waitForValidStatus' | 'finalizeOrder' | 'getCertificate'
>;
type Challenge = Parameters<acme.Client['completeChallenge']>[0];

interface OrderState {
  url: string;
  names: string[];
  status: acme.Order['status'];
  /** Per name: the http-01 token and whether the CA saw the response. */
  authz: { name: string; token: string; valid: boolean }[];
  fullchainPem?: string;
}

const THUMBPRINT = 'account-thumbprint';

/**
 * The CA side of an order. It validates a challenge the way a CA does, by looking at what the
 * solver published (`published`), and on finalize signs the CSR's key for the ordered names with
 * the test intermediate, valid from an hour before the clock for `lifetimeMs`.
 */
export class CaDouble implements OrderApi {
  readonly orders = new Map<string, OrderState>();
  /** Every call, in order: what the loop asked the CA. */
  readonly calls: string[] = [];
  /** Leave this name out of the certificates it signs (the pre-deploy check must catch it). */
  dropName?: string;
  lifetimeMs = 90 * DAY;
  /** Called on every request; a test uses it to stop the world (see CrashingStore). */
  onCall: (what: string) => void = () => undefined;

  constructor(
    private readonly ca: { intermediate: Issued },
    private readonly clock: Clock,
    private readonly published: (name: string, token: string) => string | undefined,
  ) {}

  /** The double as the client type the context hands out. */
  client(): acme.Client {
    return this as unknown as acme.Client;
  }

  private note(what: string): void {
    this.calls.push(what);
    this.onCall(what);
  }

  private order(url: string): OrderState {
    const o = this.orders.get(url);
    if (!o) throw new Error(`404: no order at ${url}`);
    return o;
  }

  private view(o: OrderState): acme.Order {
    return {
      url: o.url,
      status: o.status,
      identifiers: o.names.map((value) => ({ type: 'dns', value })),
      authorizations: o.authz.map((_, i) => `${o.url}/authz/${i}`),
      finalize: `${o.url}/finalize`,
      ...(o.fullchainPem ? { certificate: `${o.url}/cert` } : {}),
    };
  }

  async createOrder(data: Parameters<acme.Client['createOrder']>[0]): Promise<acme.Order> {
    this.note('createOrder');
    const url = `https://ca.test/order/${this.orders.size + 1}`;
    const names = data.identifiers.map((i) => i.value);
    const o: OrderState = { url, names, status: 'pending', authz: names.map((name, i) => ({ name, token: `token-${this.orders.size + 1}-${i}`, valid: false })) };
    this.orders.set(url, o);
    return this.view(o);
  }

  async getOrder(order: acme.Order): Promise<acme.Order> {
    this.note('getOrder');
    return this.view(this.order(order.url));
  }

  async getAuthorizations(order: acme.Order): Promise<acme.Authorization[]> {
    this.note('getAuthorizations');
    const o = this.order(order.url);
    return o.authz.map((a, i) => ({
      url: `${o.url}/authz/${i}`,
      identifier: { type: 'dns', value: a.name },
      status: a.valid ? 'valid' : 'pending',
      challenges: [{ type: 'http-01', url: `${o.url}/authz/${i}/http-01`, token: a.token, status: a.valid ? 'valid' : 'pending' }],
    }));
  }

  async getChallengeKeyAuthorization(challenge: Challenge): Promise<string> {
    return `${challenge.token}.${THUMBPRINT}`;
  }

  async completeChallenge(challenge: Challenge): Promise<Challenge> {
    this.note('completeChallenge');
    return challenge;
  }

  /** The CA's validation: the solver must publish TOKEN.THUMBPRINT for the name (RFC 8555 §8.3). */
  async waitForValidStatus<T>(item: T): Promise<T> {
    this.note('waitForValidStatus');
    const url = (item as { url: string }).url;
    const [orderUrl, index] = url.split('/authz/');
    const a = this.order(orderUrl).authz[Number(index)];
    const seen = this.published(a.name, a.token);
    if (seen !== `${a.token}.${THUMBPRINT}`) {
      // A failed authorization fails its order for good (RFC 8555 §7.1.6): it cannot be resumed.
      this.order(orderUrl).status = 'invalid';
      throw new ValidationFailed(`http://${a.name}/.well-known/acme-challenge/${a.token} answered ${seen ?? '404'}`);
    }
    a.valid = true;
    return item;
  }

  async finalizeOrder(order: acme.Order, csr: Parameters<acme.Client['finalizeOrder']>[1]): Promise<acme.Order> {
    this.note('finalizeOrder');
    const o = this.order(order.url);
    if (!o.authz.every((a) => a.valid)) throw new Error('orderNotReady: not every authorization is valid');
    const notBefore = new Date(this.clock.now().getTime() - HOUR);
    const names = o.names.filter((n) => n !== this.dropName);
    const leaf = certifyCsr(csr.toString(), { issuer: this.ca.intermediate, notBefore, notAfter: new Date(notBefore.getTime() + this.lifetimeMs), names });
    o.fullchainPem = leaf.certPem + this.ca.intermediate.certPem;
    o.status = 'valid';
    return this.view(o);
  }

  async getCertificate(order: acme.Order): Promise<string> {
    this.note('getCertificate');
    const o = this.order(order.url);
    if (!o.fullchainPem) throw new Error('the order has no certificate yet');
    return o.fullchainPem;
  }
}

/** An http-01 solver that publishes into a map the CA double reads. */
export class SolverDouble implements Solver {
  readonly challengeType = 'http-01' as const;
  readonly published = new Map<string, string>();
  presented = 0;
  cleanedUp = 0;
  /** Present "succeeds" but publishes nothing (a webroot nginx does not serve): validation fails. */
  mute = false;
  onCall: (what: string) => void = () => undefined;

  async present(task: ChallengeTask): Promise<void> {
    this.onCall('present');
    this.presented++;
    if (!this.mute) this.published.set(`${task.identifier}/${task.token}`, task.keyAuthorization);
  }

  async cleanup(task: ChallengeTask): Promise<void> {
    this.onCall('cleanup');
    this.cleanedUp++;
    this.published.delete(`${task.identifier}/${task.token}`);
  }

  lookup = (name: string, token: string): string | undefined => this.published.get(`${name}/${token}`);
}

/**
 * A TLS endpoint on 127.0.0.1 (port 0) that serves what its target last deployed, like a server
 * that reloads, unless it is `stale` (the reload did not take: it keeps serving what it had).
 */
export class EndpointDouble {
  stale = false;
  private serving: Served;
  private latest?: Served;
  private constructor(
    placeholder: Served,
    readonly server: TestServer,
  ) {
    this.serving = placeholder;
  }

  static async start(placeholder: Served): Promise<EndpointDouble> {
    let self: EndpointDouble | undefined;
    const server = await startTlsServer('127.0.0.1', () => self?.serving ?? placeholder);
    self = new EndpointDouble(placeholder, server);
    return self;
  }

  get port(): number {
    return this.server.port;
  }

  /** What its target just wrote: served at once unless stale. */
  deployed(bundle: CertificateBundle): void {
    this.latest = { certPem: bundle.fullchainPem, keyPem: bundle.keyPem };
    if (!this.stale) this.serving = this.latest;
  }

  /** The server finally reloads: it serves what was deployed last. */
  pickUp(): void {
    this.stale = false;
    if (this.latest) this.serving = this.latest;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

/** A target that holds what it was given and hands it to an endpoint; it can fail like a reload. */
export class TargetDouble implements Target {
  /** Serials deployed, in order. */
  readonly deployedSerials: string[] = [];
  /** The next this many deploys fail, as a reload command exiting 1 does. */
  failures = 0;
  onCall: (what: string) => void = () => undefined;

  constructor(
    readonly id: string,
    private readonly endpoint?: EndpointDouble,
  ) {}

  describe(): string {
    return `test target ${this.id}`;
  }

  async deploy(bundle: CertificateBundle, _ctx: DeployContext): Promise<void> {
    this.onCall(`deploy ${this.id}`);
    if (this.failures > 0) {
      this.failures--;
      throw new CertloopError('RELOAD_FAILED', `reload failed: ${this.id} exited with code 1`, { step: 'reload' });
    }
    this.deployedSerials.push(bundle.serial);
    this.endpoint?.deployed(bundle);
  }
}

/** What a store that died throws: the process is gone, nothing after the crash may happen. */
export class Crashed extends Error {
  constructor(after: string) {
    super(`crashed right after ${after}`);
    this.name = 'Crashed';
  }
}

/**
 * A store that dies right after the first write `after` matches, as `kill -9` between two steps
 * would leave things: that write is kept and every later store call fails; `afterCrash` lists any
 * call that still reached the CA, the solver or a target (which a real crash could not have made).
 */
export class CrashingStore implements StateStore {
  crashedAfter?: string;
  readonly afterCrash: string[] = [];

  constructor(
    private readonly inner: StateStore,
    private readonly after: (record: CertificateRecord) => string | undefined,
  ) {}

  /** Give this to every double's onCall: a call after the crash is noted. */
  readonly watch = (what: string): void => {
    if (this.crashedAfter) this.afterCrash.push(what);
  };

  private gate<T>(what: string, fn: () => Promise<T>): Promise<T> {
    // The code under test still runs its error path (recording the failure): nothing of it lands.
    if (this.crashedAfter) return Promise.reject(new Crashed(`${this.crashedAfter} (${what} refused)`));
    return fn();
  }

  async put(record: CertificateRecord): Promise<number> {
    return this.gate('put', async () => {
      const version = await this.inner.put(record);
      const boundary = this.after(record);
      if (boundary) {
        this.crashedAfter = boundary;
        throw new Crashed(boundary);
      }
      return version;
    });
  }

  get(name: string): Promise<CertificateRecord | undefined> {
    return this.gate('get', () => this.inner.get(name));
  }
  list(): Promise<CertificateRecord[]> {
    return this.gate('list', () => this.inner.list());
  }
  addEvent(event: HistoryEvent): Promise<void> {
    return this.gate('addEvent', () => this.inner.addEvent(event));
  }
  events(certificate: string | undefined, limit: number): Promise<HistoryEvent[]> {
    return this.gate('events', () => this.inner.events(certificate, limit));
  }
  getAccount(directory: string): Promise<AccountRecord | undefined> {
    return this.gate('getAccount', () => this.inner.getAccount(directory));
  }
  putAccount(account: AccountRecord): Promise<void> {
    return this.gate('putAccount', () => this.inner.putAccount(account));
  }
  acquireLock(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    return this.gate('acquireLock', () => this.inner.acquireLock(name, owner, ttlMs));
  }
  lockHolder(name: string): Promise<{ owner: string; expiresAt: number } | undefined> {
    return this.gate('lockHolder', () => this.inner.lockHolder(name));
  }
  breakLock(name: string, owner: string): Promise<boolean> {
    return this.gate('breakLock', () => this.inner.breakLock(name, owner));
  }
  getValue(key: string): Promise<string | undefined> {
    return this.gate('getValue', () => this.inner.getValue(key));
  }
  setValue(key: string, value: string | undefined): Promise<void> {
    return this.gate('setValue', () => this.inner.setValue(key, value));
  }
  async close(): Promise<void> {}
}
