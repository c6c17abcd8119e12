// Checks every value a client sends, in the variables and as literals of the document, before anything
// runs (graphql-js coerces variables only when it executes): text PostgreSQL cannot store (a NUL
// character, an unpaired UTF-16 surrogate, which JSON allows and PostgreSQL refuses), lists longer than
// any operation accepts and nesting deeper than any input type. One check for every argument of every
// operation, present and future, instead of one per field.
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { ErrorCode } from '../errors';

/** More items than the largest list an operation accepts (appendCycles' 5,000 cycles). */
export const MAX_INPUT_LIST_LENGTH = 10_000;

/** Deeper than any input type of the schema (scoreWindows: windows, columns, values). */
export const MAX_INPUT_DEPTH = 16;

function refuse(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): never {
  throw new GraphQLError(message, { extensions: { code, ...extensions, http: { status: 400 } } });
}

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether PostgreSQL can store the text: no NUL, no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);
}

function checkText(text: string, where: string): void {
  if (!isStorableText(text)) {
    refuse(
      ErrorCode.BAD_USER_INPUT,
      `${where}: text may not hold a NUL character (U+0000) or an unpaired UTF-16 surrogate (\\ud800-\\udfff alone)`,
    );
  }
}

function checkListLength(length: number, where: string): void {
  if (length > MAX_INPUT_LIST_LENGTH) {
    refuse(ErrorCode.BATCH_TOO_LARGE, `${where}: a list may hold at most ${MAX_INPUT_LIST_LENGTH} items, got ${length}`, {
      limit: MAX_INPUT_LIST_LENGTH,
    });
  }
}

/** Walks the variables without recursion (a hostile body nests as deep as JSON.parse allows). */
function checkVariables(variables: Record<string, unknown>): void {
  const stack: { value: unknown; path: string; depth: number }[] = Object.entries(variables).map(([name, value]) => ({
    value,
    path: `$${name}`,
    depth: 1,
  }));
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      checkText(value, `variable ${path}`);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_INPUT_DEPTH)
      refuse(ErrorCode.BAD_USER_INPUT, `variable ${path}: nested deeper than any input type (${MAX_INPUT_DEPTH} levels)`);
    if (Array.isArray(value)) {
      checkListLength(value.length, `variable ${path}`);
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        // Readings are most of what clients send: skip numbers without a stack entry each.
        if (typeof item === 'object' || typeof item === 'string') stack.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 });
      }
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      checkText(key, `variable ${path}`);
      stack.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
}

/** The literals of the document (variable defaults and fragments included); the parser bounds their size. */
function checkLiterals(document: DocumentNode): void {
  visit(document, {
    StringValue(node) {
      checkText(node.value, `the string at line ${node.loc?.startToken.line ?? '?'}, column ${node.loc?.startToken.column ?? '?'}`);
    },
    ListValue(node) {
      checkListLength(
        node.values.length,
        `the list at line ${node.loc?.startToken.line ?? '?'}, column ${node.loc?.startToken.column ?? '?'}`,
      );
    },
  });
}

/** Throws BAD_USER_INPUT or BATCH_TOO_LARGE (HTTP 400) for input no operation can take. */
export function checkInputs(document: DocumentNode, variables: Record<string, unknown> | undefined): void {
  if (variables) checkVariables(variables);
  checkLiterals(document);
}
