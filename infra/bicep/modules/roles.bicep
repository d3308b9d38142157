// Least privilege for each app's identity: data-plane roles only, scoped to the resources it uses.
param storageAccountName string
param vaultName string
param webPubSubName string
@description('Azure OpenAI account both apps call with their identities; empty: none.')
param azureOpenAIAccountName string
param functionsPrincipalId string
param relayPrincipalId string

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  webPubSubServiceOwner: '12cf5a90-567b-43ae-8102-96cf46c7d9b4'
  cognitiveServicesOpenAIUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: webPubSubName
}

// Blob owner (not contributor) because user-delegation SAS for <Play> URLs needs generateUserDelegationKey.
var storageAssignments = [
  { principalId: functionsPrincipalId, role: roles.storageBlobDataOwner }
  { principalId: functionsPrincipalId, role: roles.storageQueueDataContributor }
  { principalId: functionsPrincipalId, role: roles.storageTableDataContributor }
  { principalId: relayPrincipalId, role: roles.storageTableDataContributor }
]

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for a in storageAssignments: {
  name: guid(storage.id, a.principalId, a.role)
  scope: storage
  properties: {
    principalId: a.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
  }
}]

resource vaultRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in [functionsPrincipalId, relayPrincipalId]: {
  name: guid(vault.id, principalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}]

resource pubsubRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in [functionsPrincipalId, relayPrincipalId]: {
  name: guid(pubsub.id, principalId, roles.webPubSubServiceOwner)
  scope: pubsub
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.webPubSubServiceOwner)
  }
}]

resource azureOpenAI 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = if (!empty(azureOpenAIAccountName)) {
  name: azureOpenAIAccountName
}

// The relay streams completions and the Functions app summarises outcomes with their managed identities (no key):
// inference only, not the account's management.
resource azureOpenAIRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in [relayPrincipalId, functionsPrincipalId]: if (!empty(azureOpenAIAccountName)) {
  name: guid(azureOpenAI.id, principalId, roles.cognitiveServicesOpenAIUser)
  scope: azureOpenAI
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesOpenAIUser)
  }
}]
