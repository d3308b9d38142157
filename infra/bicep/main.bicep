// AgentOS Voice: everything one environment needs. Deployed from CI (.github/workflows/deploy.yml) with OIDC.
// Secrets are never parameters: operators put them in the Key Vault this creates (see docs/deploy.md), and the apps
// read them as Key Vault references with their own managed identities.
targetScope = 'resourceGroup'

@description('Short environment name, e.g. prod or staging; used in every resource name.')
@minLength(2)
@maxLength(12)
param environmentName string

param location string = resourceGroup().location

@description('RelayHost container image, e.g. myregistry.azurecr.io/agentos-voice/relayhost:1.2.3.')
param relayImage string

@description('Twilio account SID (not a secret). The auth token is the Key Vault secret twilio-auth-token.')
param twilioAccountSid string

@description('Public https base URL Twilio uses for the Functions app (custom domain); empty uses the default host name.')
param functionsPublicBaseUrl string = ''

@description('Always-ready instances for the HTTP functions (Twilio webhooks, TwiML, management API). 0 lets them scale to zero: cheaper, but the first call after a quiet spell waits for a cold start while the caller hears ringing.')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 1

var baseName = 'agentos-voice-${environmentName}'
var tags = { application: 'agentos-voice', environment: environmentName }
var compactName = toLower(replace('agvoice${environmentName}${uniqueString(resourceGroup().id)}', '-', ''))

resource functionsIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-func-${baseName}'
  location: location
  tags: tags
}

resource relayIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-relay-${baseName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { location: location, baseName: baseName, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { location: location, storageName: take(compactName, 24), tags: tags }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: { location: location, vaultName: take('kv${compactName}', 24), tags: tags }
}

module pubsub 'modules/webpubsub.bicep' = {
  name: 'webpubsub'
  params: { location: location, baseName: baseName, tags: tags }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    storageAccountName: storage.outputs.accountName
    vaultName: vault.outputs.vaultName
    webPubSubName: pubsub.outputs.name
    functionsPrincipalId: functionsIdentity.properties.principalId
    relayPrincipalId: relayIdentity.properties.principalId
  }
}

var secret = {
  twilioAuthToken: '${vault.outputs.vaultUri}secrets/twilio-auth-token'
  elevenLabsApiKey: '${vault.outputs.vaultUri}secrets/elevenlabs-api-key'
  managementApiKey: '${vault.outputs.vaultUri}secrets/management-api-key'
  openAiApiKey: '${vault.outputs.vaultUri}secrets/openai-api-key'
  anthropicApiKey: '${vault.outputs.vaultUri}secrets/anthropic-api-key'
}

var sharedSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.appInsightsConnectionString
  Storage__BlobServiceUri: storage.outputs.blobEndpoint
  Storage__QueueServiceUri: storage.outputs.queueEndpoint
  Storage__TableServiceUri: storage.outputs.tableEndpoint
  Twilio__AccountSid: twilioAccountSid
  Events__WebPubSubEndpoint: pubsub.outputs.endpoint
  Events__Hub: 'calls'
}

module relay 'modules/relayhost.bicep' = {
  name: 'relayhost'
  dependsOn: [roles]
  params: {
    location: location
    baseName: baseName
    tags: tags
    identityId: relayIdentity.id
    identityClientId: relayIdentity.properties.clientId
    workspaceCustomerId: monitoring.outputs.workspaceCustomerId
    workspaceId: monitoring.outputs.workspaceId
    image: relayImage
    env: sharedSettings
    keyVaultReferences: {
      Twilio__AuthToken: secret.twilioAuthToken
      Llm__OpenAI__ApiKey: secret.openAiApiKey
      Llm__Anthropic__ApiKey: secret.anthropicApiKey
    }
  }
}

module functions 'modules/functions.bicep' = {
  name: 'functions'
  dependsOn: [roles]
  params: {
    location: location
    baseName: baseName
    tags: tags
    identityId: functionsIdentity.id
    identityClientId: functionsIdentity.properties.clientId
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    appSettings: union(sharedSettings, {
      AzureWebJobsStorage__accountName: storage.outputs.accountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: functionsIdentity.properties.clientId
      PublicUrls__RelayBaseUrl: 'wss://${relay.outputs.fqdn}'
      PublicUrls__FunctionsBaseUrl: functionsPublicBaseUrl
      Twilio__AuthToken: '@Microsoft.KeyVault(SecretUri=${secret.twilioAuthToken})'
      Speech__ElevenLabs__ApiKey: '@Microsoft.KeyVault(SecretUri=${secret.elevenLabsApiKey})'
      ManagementApi__ApiKeys__0: '@Microsoft.KeyVault(SecretUri=${secret.managementApiKey})'
    })
  }
}

output functionsBaseUrl string = functions.outputs.baseUrl
output relayBaseUrl string = 'wss://${relay.outputs.fqdn}'
output keyVaultName string = vault.outputs.vaultName
