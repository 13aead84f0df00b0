// Generated entities (src/model/generated, from schema.graphql by `npm run codegen`); the shim
// must load before them.
import './primary-key-type';

export * from './generated';
