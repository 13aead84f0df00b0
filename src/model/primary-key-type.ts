// The generated entities declare `@PrimaryColumn_() id!: string` and leave TypeORM to read the
// column type from decorator metadata, which tsc emits but esbuild (tsx, which runs this
// project) does not. Entity ids are strings throughout the schema, so answer that one question.
import 'typeorm';

const PATCHED = Symbol.for('hcr.primary-key-type');
const reflect = Reflect as typeof Reflect & { [PATCHED]?: true };

if (!reflect[PATCHED]) {
  const getMetadata = Reflect.getMetadata.bind(Reflect);
  Reflect.getMetadata = ((key: unknown, target: object, property?: string | symbol) => {
    const value = getMetadata(key, target, property as string | symbol);
    return value === undefined && key === 'design:type' && property === 'id' ? String : value;
  }) as typeof Reflect.getMetadata;
  reflect[PATCHED] = true;
}
