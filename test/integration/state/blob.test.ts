import path from 'node:path';
import { after, before } from 'node:test';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { BlobStore } from '../../../src/state/blob.js';
import { startAzurite, type Azurite } from '../../support/azurite.js';
import { tempDir } from '../../support/workspace.js';
import { stateStoreContract } from '../../unit/state/contract.js';

let azurite: Azurite;
let container: ContainerClient;
let n = 0;

before(async () => {
  azurite = await startAzurite(path.join(tempDir('state-blob'), 'azurite'));
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('contract');
});
after(() => azurite?.stop());

// Each test gets its own prefix in one container: a new, empty state. The minimum Azure lease
// (15 s) is used so the expiry case stays as short as Azure allows.
stateStoreContract('BlobStore (Azurite)', async () => {
  const prefix = `t${++n}/`;
  return async () => new BlobStore({ container, prefix, leaseSeconds: 15 });
});
