// GraphQL Code Generator's configuration for the dashboard: every operation written with `gql(...)` in
// dashboard/src is validated against the root schema.graphql and typed (result and variables) into
// dashboard/src/gql/. `npm run dashboard:codegen` writes it; dashboard/src/api/codegen.test.ts fails
// when the committed files are not what this configuration generates. Paths are relative to the
// repository's root, where both run.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['dashboard/src/**/*.{ts,tsx}', '!dashboard/src/gql/**', '!dashboard/src/**/*.test.ts'],
  ignoreNoDocuments: false,
  generates: {
    'dashboard/src/gql/': {
      preset: 'client',
      presetConfig: { gqlTagName: 'gql', fragmentMasking: false },
      config: {
        // Documents as strings (a String with types attached): the fetch wrapper sends them as they are,
        // so the bundle needs no GraphQL parser.
        documentMode: 'string',
        enumsAsTypes: true,
        onlyOperationTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: {
          DateTime: 'string',
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
          ReadingList: 'number[]',
          ReadingMatrix: 'number[][]',
          SafeInt: 'number',
        },
      },
    },
  },
};

export default config;
