export * as containerRegistry from './container-registry/calls'
