export * as containerRegistry from './container-registry/constants'
