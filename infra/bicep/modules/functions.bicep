// The Functions app: the .NET isolated worker (src/Functions) on Flex Consumption. HTTP functions serve TwiML, webhooks
// and the management API; the queue function renders and places voice messages.
param location string
param baseName string
param tags object
param identityId string
param identityClientId string
param deploymentContainerUrl string
param appSettings object

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

// Twilio asks for TwiML while the caller hears ringing. A cold instance first starts the Functions host, then our
// worker (0.3-1 s to its first TwiML on the 2-core machines in bench/), and the caller hears all of it. Always-ready
// instances of the HTTP group ('http' covers every HTTP-triggered function) take the first call warm; they are billed
// as a baseline even when idle, so 0 is allowed for environments that can wait.
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 1

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${baseName}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${baseName}'
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
        alwaysReady: alwaysReadyHttpInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttpInstances }] : []
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [for setting in items(union(appSettings, { AZURE_CLIENT_ID: identityClientId })): {
        name: setting.key
        value: setting.value
      }]
    }
  }
}

output name string = app.name
output baseUrl string = 'https://${app.properties.defaultHostName}'
