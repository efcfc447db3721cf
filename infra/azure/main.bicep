// certloop on Azure: a Container Apps Job that runs `certloop run` on a schedule, as a
// user-assigned managed identity that may write certificates to an existing Key Vault
// ("Key Vault Certificates Officer") and keeps certloop's shared state in a private blob container
// ("Storage Blob Data Contributor"). Deploy into a resource group:
//   az deployment group create -g RG -f infra/azure/main.bicep \
//     -p keyVaultName=KV image=REGISTRY/certloop:0.1.0 configYaml=@certloop.yaml
// In certloop.yaml use:
//   state: { type: azure-blob, url: ${env:CERTLOOP_STATE_URL}, container: certloop,
//            credential: { type: managed-identity, clientId: ${env:AZURE_CLIENT_ID} } }

@description('Location of every resource.')
param location string = resourceGroup().location

@description('Name prefix for the resources.')
@minLength(3)
@maxLength(12)
param name string = 'certloop'

@description('The certloop image, e.g. myregistry.azurecr.io/certloop:0.1.0.')
param image string

@description('Existing Key Vault (same resource group) the certificates are deployed to.')
param keyVaultName string

@description('The certloop.yaml to run with (mounted at /etc/certloop/certloop.yaml).')
@secure()
param configYaml string

@description('Cron expression (UTC) of the runs. Avoid the top of the hour, as Let\'s Encrypt asks.')
param cronExpression string = '17 5,17 * * *'

@description('Existing Log Analytics workspace for the job logs (optional).')
param logAnalyticsWorkspaceId string = ''

var storageAccountName = take('${toLower(name)}${uniqueString(resourceGroup().id)}', 24)
var keyVaultCertificatesOfficer = 'a4417e6f-fecd-4de8-b567-7b0420556985'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-identity'
  location: location
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Needs a vault with Azure RBAC authorization (enableRbacAuthorization: true).
resource keyVaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, keyVaultCertificatesOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultCertificatesOfficer)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The shared state holds private keys: private, TLS 1.2+, no shared-key access (identity only).
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // A record overwritten by mistake can be recovered for a week.
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource stateContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'certloop'
  properties: {
    publicAccess: 'None'
  }
}

resource stateRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(stateContainer.id, identity.id, storageBlobDataContributor)
  scope: stateContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${name}-env'
  location: location
  properties: empty(logAnalyticsWorkspaceId) ? {} : {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: reference(logAnalyticsWorkspaceId, '2022-10-01').customerId
        sharedKey: listKeys(logAnalyticsWorkspaceId, '2022-10-01').primarySharedKey
      }
    }
  }
}

resource job 'Microsoft.App/jobs@2024-03-01' = {
  name: '${name}-run'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    environmentId: environment.id
    configuration: {
      triggerType: 'Schedule'
      scheduleTriggerConfig: {
        cronExpression: cronExpression
        // One replica: the leases would make more safe, not faster (no shard index here).
        parallelism: 1
        replicaCompletionCount: 1
      }
      replicaTimeout: 3600
      replicaRetryLimit: 2
      secrets: [
        {
          name: 'certloop-yaml'
          value: configYaml
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'certloop'
          image: image
          args: [
            'run'
            '--json'
          ]
          env: [
            {
              name: 'CERTLOOP_CONFIG'
              value: '/etc/certloop/certloop.yaml'
            }
            {
              name: 'AZURE_CLIENT_ID'
              value: identity.properties.clientId
            }
            {
              name: 'CERTLOOP_STATE_URL'
              value: storage.properties.primaryEndpoints.blob
            }
          ]
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          volumeMounts: [
            {
              volumeName: 'config'
              mountPath: '/etc/certloop'
            }
          ]
        }
      ]
      volumes: [
        {
          name: 'config'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'certloop-yaml'
              path: 'certloop.yaml'
            }
          ]
        }
      ]
    }
  }
  dependsOn: [
    keyVaultRole
    stateRole
  ]
}

output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
output stateUrl string = storage.properties.primaryEndpoints.blob
output jobName string = job.name
