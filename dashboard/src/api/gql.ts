// Operations are written `gql(\`query Name { ... }\`)`: GraphQL Code Generator (../../codegen.ts) reads
// them, validates them against schema.graphql and types each text with its result and variables
// (../gql/gql.ts). This `gql` has those types but returns the text itself, without the generated
// runtime map of every operation (about 11 KB on the first page's script): each page's chunk carries its
// own operations as written, and that text is what is sent. So operations use no fragments (the text
// sent would lack their definitions); ./codegen.test.ts checks it.
import type { gql as generatedGql } from '../gql';

export const gql = ((source: string) => source) as unknown as typeof generatedGql;
