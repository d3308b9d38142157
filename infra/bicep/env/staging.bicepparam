// The staging environment. CI sets the values read from the environment (.github/workflows/deploy.yml); an operator
// deploying by hand exports the same variables (docs/deploy.md).
using '../main.bicep'

param environmentName = 'staging'
param deployApps = bool(readEnvironmentVariable('DEPLOY_APPS', 'true'))
param relayImageTag = readEnvironmentVariable('RELAY_IMAGE_TAG', '')
param twilioAccountSid = readEnvironmentVariable('TWILIO_ACCOUNT_SID', '')
param functionsPublicBaseUrl = readEnvironmentVariable('FUNCTIONS_PUBLIC_BASE_URL', '')
param existingRegistryName = readEnvironmentVariable('EXISTING_REGISTRY_NAME', '')
param azureOpenAIAccountName = readEnvironmentVariable('AZURE_OPENAI_ACCOUNT_NAME', '')
param operatorPrincipalId = readEnvironmentVariable('OPERATOR_PRINCIPAL_ID', '')
param deployPrincipalId = readEnvironmentVariable('DEPLOY_PRINCIPAL_ID', '')
param providerSecrets = ['elevenlabs', 'openai']
param alwaysReadyHttpInstances = 0
param relaySessionsPerReplica = 200
param relayMaxReplicas = 3
