// Secrets (Twilio auth token, ElevenLabs and LLM keys, management API keys) live here, set by an operator with
// infra/set-secrets.sh between the foundation deployment and the apps' (docs/deploy.md); the apps read them through
// Key Vault references with their managed identities.
param location string
param vaultName string
param tags object

@description('Entra object id of the operator (user or group) who sets the secrets: Key Vault Secrets Officer. Empty: none.')
param operatorPrincipalId string

@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string

@description('Object id of the CI deployment principal: Key Vault Secrets User, to check the secrets exist before the apps are deployed and to sign the smoke webhook. Empty: none.')
param deployPrincipalId string

var secretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
  }
}

resource operatorRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, secretsOfficer)
  scope: vault
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficer)
  }
}

resource deployRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployPrincipalId)) {
  name: guid(vault.id, deployPrincipalId, secretsUser)
  scope: vault
  properties: {
    principalId: deployPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
  }
}

output vaultName string = vault.name
output vaultUri string = vault.properties.vaultUri
