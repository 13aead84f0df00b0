export * as containerRegistry from './container-registry/storage'
