// Live call events: RelayHost publishes to hub "calls"; browsers connect with tokens from the negotiate function.
param location string
param baseName string
param tags object

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: 'wps-${baseName}'
  location: location
  tags: tags
  sku: { name: 'Standard_S1', capacity: 1 }
  properties: {
    disableLocalAuth: false
    publicNetworkAccess: 'Enabled'
  }
}

resource hub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: pubsub
  name: 'calls'
  properties: {
    anonymousConnectPolicy: 'deny'
  }
}

output name string = pubsub.name
output id string = pubsub.id
output endpoint string = 'https://${pubsub.properties.hostName}'
