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
@description('Registry login server the image is pulled from (e.g. myregistry.azurecr.io), with the relay identity (AcrPull).')
param registryServer string
param env object
@description('Setting name (e.g. Twilio__AuthToken) → Key Vault secret URL; the container reads them as environment variables.')
param keyVaultReferences object

@minValue(1)
param minReplicas int = 1
param maxReplicas int = 10

@description('Live sessions one replica accepts (RelayHost:MaxSessions); the scale rule is derived from it.')
@minValue(10)
@maxValue(100000)
param maxSessionsPerReplica int

@description('Share of the cap, in percent, at which the scaler adds a replica. Well below 100: a new replica takes ~30 s to start, and calls keep arriving at the busy ones meanwhile.')
@minValue(30)
@maxValue(80)
param scaleOutAtPercent int = 60

@description('How long a stopping replica lets live calls continue (RelayHost:DrainTimeout); Container Apps waits a minute longer before it kills the container.')
@minValue(30)
@maxValue(540)
param drainSeconds int = 540

// Both numbers come from the one parameter so the scaler adds a replica long before any replica refuses a call; the
// per-replica cap reaches RelayHost as a setting, never a default of its own.
var scaleOutAtSessions = maxSessionsPerReplica * scaleOutAtPercent / 100
var capacityEnv = [
  { name: 'RelayHost__MaxSessions', value: string(maxSessionsPerReplica) }
  { name: 'RelayHost__DrainTimeout', value: '00:${padLeft(string(drainSeconds / 60), 2, '0')}:${padLeft(string(drainSeconds % 60), 2, '0')}' }
]

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
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: [for reference in items(keyVaultReferences): {
        name: secretName(reference.key)
        keyVaultUrl: reference.value
        identity: identityId
      }]
    }
    template: {
      // A replica drains live calls on shutdown (RelayHost:DrainTimeout); it gets a minute more (the sockets' close
      // handshakes, the host's own stop) before SIGKILL.
      terminationGracePeriodSeconds: drainSeconds + 60
      containers: [
        {
          name: 'relayhost'
          image: image
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: concat(plainEnv, secretEnv, capacityEnv)
          probes: [
            {
              // Cheap: the process answers. A storage outage must not restart replicas holding live calls.
              type: 'Liveness'
              httpGet: { path: '/healthz', port: 8080 }
              periodSeconds: 10
            }
            {
              // Storage reachable and not draining: only then does the replica get new calls.
              type: 'Readiness'
              httpGet: { path: '/readyz', port: 8080 }
              periodSeconds: 5
              failureThreshold: 2
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
            http: { metadata: { concurrentRequests: string(scaleOutAtSessions) } }
          }
        ]
      }
    }
  }
}

output fqdn string = relay.properties.configuration.ingress.fqdn
output scaleOutAtSessions int = scaleOutAtSessions
