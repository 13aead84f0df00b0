export * as containerRegistry from './container-registry/events'
