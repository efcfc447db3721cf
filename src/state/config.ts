/**
 * The `state:` setting. A path string (the original form, kept as a contract) means the embedded
 * SQLite file; an object names the store type:
 *
 *   state: ./certloop.db
 *   state: { type: sqlite, path: ./certloop.db }
 *   state:
 *     type: azure-blob
 *     url: https://acct.blob.core.windows.net     # or connectionString: ${env:CERTLOOP_STATE_CONNECTION_STRING}
 *     container: certloop
 *     credential: { type: workload-identity }     # default: DefaultAzureCredential
 *
 * Kept apart from the store implementations so loading a config never imports the Azure SDK.
 */
import { z } from 'zod';
import {
  ClientSecretCredentialConfig,
  credentialSetting,
  DefaultCredentialConfig,
  ManagedIdentityCredentialConfig,
  WorkloadIdentityCredentialConfig,
} from '../azure/credential.js';
import { Duration, DurationWithin, FilePath } from '../config/fields.js';

export const SqliteStateConfig = z.strictObject({
  type: z.literal('sqlite'),
  path: FilePath,
});

/** The storage account key (prefer an identity); give it as ${env:...} or ${file:...}. */
export const AccountKeyCredentialConfig = z.strictObject({ type: z.literal('account-key'), accountKey: z.string().min(1) });

/** The identities every Azure part accepts (src/azure/credential.ts), plus the storage account key. */
const AzureCredentialConfig = credentialSetting([
  DefaultCredentialConfig,
  ManagedIdentityCredentialConfig,
  WorkloadIdentityCredentialConfig,
  ClientSecretCredentialConfig,
  AccountKeyCredentialConfig,
]);
export type AzureCredentialConfig = z.infer<typeof AzureCredentialConfig>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const BlobEndpointUrl = z.url({ protocol: /^https?$/, message: 'expected the storage account blob endpoint, such as https://ACCOUNT.blob.core.windows.net' }).refine(
  (u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || LOOPBACK.has(url.hostname);
  },
  { message: 'use https:// (plain http is only accepted for a local emulator on 127.0.0.1/localhost): the state holds private keys' },
);

const ContainerName = z.string().regex(/^(?=.{3,63}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/, {
  message: 'expected an Azure container name: 3-63 lower-case letters, digits and single hyphens',
});

export const AzureBlobStateConfig = z
  .strictObject({
    type: z.literal('azure-blob'),
    /** Blob endpoint of the account (https://ACCOUNT.blob.core.windows.net[/CONTAINER]). */
    url: BlobEndpointUrl.optional(),
    /** A full connection string instead of url + credential (Azurite, or account keys). A secret. */
    connectionString: z.string().min(1).optional(),
    container: ContainerName.optional(),
    /** Blob name prefix, so several installations can share a container ("prod/"). */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/, { message: 'expected a prefix of letters, digits, ".", "_", "-" and "/", such as prod/' })
      .transform((p) => (p.endsWith('/') ? p : `${p}/`))
      .optional(),
    /** Lease duration for per-certificate locks; Azure allows 15s to 60s. */
    leaseDuration: Duration.pipe(
      z.number().min(15_000, 'Azure leases last at least 15s').max(60_000, 'Azure leases last at most 60s (certloop renews them while working)'),
    ).default(60_000),
    /** Deadline of each try of a request to the storage account (3 tries); default 30s. */
    timeout: DurationWithin(1000, 5 * 60_000).optional(),
    credential: AzureCredentialConfig.optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.url === !c.connectionString) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of url (with an identity) or connectionString' });
    }
    if (c.connectionString && c.credential) {
      ctx.addIssue({ code: 'custom', path: ['credential'], message: 'a connectionString carries its own credential; remove credential or use url' });
    }
  });
export type AzureBlobStateConfig = z.infer<typeof AzureBlobStateConfig>;

const StoreObject = z.discriminatedUnion('type', [SqliteStateConfig, AzureBlobStateConfig], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown state type: expected sqlite or azure-blob (or a path to a SQLite file)' : undefined),
});

/** A path (SQLite) or a typed store. Chosen by the shape of the value, so errors stay specific. */
export const StateConfig = z.union([StoreObject, FilePath]);
export type StateConfig = z.infer<typeof StateConfig>;

/** The SQLite file of a `state:` setting; undefined for a store that is not a file. */
export function sqlitePath(state: StateConfig): string | undefined {
  return typeof state === 'string' ? state : state.type === 'sqlite' ? state.path : undefined;
}

/** Where the state lives, for logs and messages: never the connection string (it carries the key). */
export function describeState(state: StateConfig): string {
  if (typeof state === 'string') return `sqlite ${state}`;
  if (state.type === 'sqlite') return `sqlite ${state.path}`;
  const where = state.url ? new URL(state.url).host : 'connection string';
  return `azure-blob ${where}/${state.container ?? 'certloop'}${state.prefix ? `/${state.prefix}` : ''}`;
}
