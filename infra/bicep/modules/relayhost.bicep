// RelayHost holds live ConversationRelay WebSockets, so it runs on Container Apps with at least one warm replica and
// scales on concurrent connections; secrets come from Key Vault through its managed identity.
param location string
param baseName string
param tags object
param identityId string
param identityClientId string
param workspaceCustomerId string
param workspaceId string
param image string
param env object
@description('Setting name (e.g. Twilio__AuthToken) → Key Vault secret URL; the container reads them as environment variables.')
param keyVaultReferences object

@minValue(1)
param minReplicas int = 1
param maxReplicas int = 10

@description('Concurrent sessions per replica before another replica is added; below RelayHost:MaxSessions so a replica never refuses calls in a scale-out.')
param concurrentSessionsPerReplica int = 400

// Container Apps secret names allow lowercase letters, digits and dashes only.
func secretName(setting string) string => toLower(replace(setting, '__', '-'))

var plainEnv = [for setting in items(union(env, { AZURE_CLIENT_ID: identityClientId })): { name: setting.key, value: setting.value }]
var secretEnv = [for reference in items(keyVaultReferences): { name: reference.key, secretRef: secretName(reference.key) }]

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: last(split(workspaceId, '/'))
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: 'cae-${baseName}'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspaceCustomerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
  }
}

resource relay 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-relay-${baseName}'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      ingress: {
        external: true
        targetPort: 8080
        transport: 'auto'
        allowInsecure: false
      }
      secrets: [for reference in items(keyVaultReferences): {
        name: secretName(reference.key)
        keyVaultUrl: reference.value
        identity: identityId
      }]
    }
    template: {
      // A replica drains live calls on shutdown (RelayHost:DrainTimeout); give it longer than that before SIGKILL.
      terminationGracePeriodSeconds: 600
      containers: [
        {
          name: 'relayhost'
          image: image
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: concat(plainEnv, secretEnv)
          probes: [
            {
              type: 'Liveness'
              httpGet: { path: '/healthz', port: 8080 }
              periodSeconds: 10
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'live-sessions'
            http: { metadata: { concurrentRequests: string(concurrentSessionsPerReplica) } }
          }
        ]
      }
    }
  }
}

output fqdn string = relay.properties.configuration.ingress.fqdn
