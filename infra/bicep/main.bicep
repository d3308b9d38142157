// AgentOS Voice: everything one environment needs. Deployed from CI (.github/workflows/deploy.yml) with OIDC, in two
// passes (docs/deploy.md): deployApps=false creates the foundation (identities, registry, vault, storage, monitoring,
// roles); the operator then sets the secrets (infra/set-secrets.sh) and CI pushes the image; deployApps=true adds the
// apps, whose Key Vault references and image must exist by then. Secrets are never parameters.
targetScope = 'resourceGroup'

@description('Short environment name, e.g. prod or staging; used in every resource name.')
@minLength(2)
@maxLength(12)
param environmentName string

param location string = resourceGroup().location

@description('False for the foundation pass: everything but the two apps. True once the secrets and the image exist.')
param deployApps bool = true

@description('RelayHost image tag in the registry (the commit sha in CI); the repository is agentos-voice/relayhost.')
param relayImageTag string = ''

@description('An existing container registry in this resource group to use; empty creates one for the environment.')
param existingRegistryName string = ''

@description('Twilio account SID (not a secret). The auth token is the Key Vault secret twilio-auth-token.')
param twilioAccountSid string

@description('Public https base URL Twilio uses for the Functions app (custom domain); empty uses the default host name.')
param functionsPublicBaseUrl string = ''

@description('Always-ready instances for the HTTP functions (Twilio webhooks, TwiML, management API). 0 lets them scale to zero: cheaper, but the first call after a quiet spell waits for a cold start while the caller hears ringing.')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 1

@description('Live calls one RelayHost replica holds (RelayHost:MaxSessions). The relay scale rule adds a replica at a share of it, so this one number sets both.')
@minValue(10)
@maxValue(100000)
param relaySessionsPerReplica int = 400

@minValue(1)
@maxValue(30)
param relayMaxReplicas int = 10

@description('Providers whose key secret the apps read (elevenlabs, openai, anthropic). A listed provider\'s secret must exist before the apps are deployed; an unlisted one stays off. Without openai, anthropic or azureOpenAIAccountName the apps refuse to start: no model provider.')
param providerSecrets array = []

@description('The voice messages\' synthesizer (Speech:Provider). elevenlabs needs \'elevenlabs\' in providerSecrets, or the Functions app refuses to start; espeak is the offline stand-in, for environments that have espeak-ng.')
@allowed(['elevenlabs', 'espeak'])
param speechProvider string = 'elevenlabs'

@description('An Azure OpenAI (Cognitive Services) account in this resource group; both apps reach it with their managed identities, no key. Empty: none.')
param azureOpenAIAccountName string = ''

@description('Entra object id of the operator who sets the Key Vault secrets (Key Vault Secrets Officer). Empty: none.')
param operatorPrincipalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

@description('Object id of the CI deployment principal (reads the secrets to check them and to sign the smoke webhook). Empty: none.')
param deployPrincipalId string = ''

var baseName = 'agentos-voice-${environmentName}'
var tags = { application: 'agentos-voice', environment: environmentName }
var compactName = toLower(replace('agvoice${environmentName}${uniqueString(resourceGroup().id)}', '-', ''))
var createRegistry = empty(existingRegistryName)
var registryName = createRegistry ? take('cr${compactName}', 50) : existingRegistryName

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
  params: {
    location: location
    vaultName: take('kv${compactName}', 24)
    tags: tags
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
    deployPrincipalId: deployPrincipalId
  }
}

module registry 'modules/registry.bicep' = if (createRegistry) {
  name: 'registry'
  params: { location: location, registryName: registryName, tags: tags }
}

module registryPull 'modules/registry-pull.bicep' = {
  name: 'registry-pull'
  dependsOn: [registry]
  params: { registryName: registryName, principalId: relayIdentity.properties.principalId }
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
    azureOpenAIAccountName: azureOpenAIAccountName
    functionsPrincipalId: functionsIdentity.properties.principalId
    relayPrincipalId: relayIdentity.properties.principalId
  }
}

resource azureOpenAI 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = if (!empty(azureOpenAIAccountName)) {
  name: azureOpenAIAccountName
}

func secretUri(vaultUri string, name string) string => '${vaultUri}secrets/${name}'

var providerSecretNames = {
  elevenlabs: 'elevenlabs-api-key'
  openai: 'openai-api-key'
  anthropic: 'anthropic-api-key'
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

var relayKeyVaultReferences = union(
  {
    Twilio__AuthToken: secretUri(vault.outputs.vaultUri, 'twilio-auth-token')
    RelayTickets__Secret: secretUri(vault.outputs.vaultUri, 'relay-ticket-secret')
  },
  contains(providerSecrets, 'openai') ? { Llm__OpenAI__ApiKey: secretUri(vault.outputs.vaultUri, providerSecretNames.openai) } : {},
  contains(providerSecrets, 'anthropic') ? { Llm__Anthropic__ApiKey: secretUri(vault.outputs.vaultUri, providerSecretNames.anthropic) } : {}
)

// No Llm__AzureOpenAI__ApiKey: without a key the apps authenticate with DefaultAzureCredential (AZURE_CLIENT_ID).
var azureOpenAISettings = empty(azureOpenAIAccountName) ? {} : { Llm__AzureOpenAI__Endpoint: azureOpenAI!.properties.endpoint }

// The Functions app summarises outcomes with the agent's model, so it has the relay's model providers; outside
// Development either app refuses to start with none.
var functionsLlmSettings = union(
  azureOpenAISettings,
  contains(providerSecrets, 'openai') ? { Llm__OpenAI__ApiKey: '@Microsoft.KeyVault(SecretUri=${secretUri(vault.outputs.vaultUri, providerSecretNames.openai)})' } : {},
  contains(providerSecrets, 'anthropic') ? { Llm__Anthropic__ApiKey: '@Microsoft.KeyVault(SecretUri=${secretUri(vault.outputs.vaultUri, providerSecretNames.anthropic)})' } : {}
)

module relay 'modules/relayhost.bicep' = if (deployApps) {
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
    registryServer: registryPull.outputs.loginServer
    image: '${registryPull.outputs.loginServer}/agentos-voice/relayhost:${relayImageTag}'
    maxSessionsPerReplica: relaySessionsPerReplica
    maxReplicas: relayMaxReplicas
    env: union(sharedSettings, azureOpenAISettings)
    keyVaultReferences: relayKeyVaultReferences
  }
}

module functions 'modules/functions.bicep' = if (deployApps) {
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
      PublicUrls__RelayBaseUrl: 'wss://${relay!.outputs.fqdn}'
      PublicUrls__FunctionsBaseUrl: functionsPublicBaseUrl
      Twilio__AuthToken: '@Microsoft.KeyVault(SecretUri=${secretUri(vault.outputs.vaultUri, 'twilio-auth-token')})'
      ManagementApi__ApiKeys__0: '@Microsoft.KeyVault(SecretUri=${secretUri(vault.outputs.vaultUri, 'management-api-key')})'
      RelayTickets__Secret: '@Microsoft.KeyVault(SecretUri=${secretUri(vault.outputs.vaultUri, 'relay-ticket-secret')})'
      Speech__Provider: speechProvider
      // The host reads a timer's schedule from this setting before the app starts (NCRONTAB with seconds, UTC).
      Reconciler__Schedule: '0 */5 * * * *'
    }, contains(providerSecrets, 'elevenlabs') ? {
      Speech__ElevenLabs__ApiKey: '@Microsoft.KeyVault(SecretUri=${secretUri(vault.outputs.vaultUri, providerSecretNames.elevenlabs)})'
    } : {}, functionsLlmSettings)
  }
}

output functionsName string = deployApps ? functions!.outputs.name : ''
output functionsBaseUrl string = deployApps ? functions!.outputs.baseUrl : ''
output relayBaseUrl string = deployApps ? 'wss://${relay!.outputs.fqdn}' : ''
output keyVaultName string = vault.outputs.vaultName
output registryLoginServer string = registryPull.outputs.loginServer
