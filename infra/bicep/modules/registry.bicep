// The registry RelayHost's image is pushed to by CI and pulled from by the container app with its own identity
// (AcrPull); no admin user, no stored registry password.
param location string
param registryName string
param tags object

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: registryName
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
