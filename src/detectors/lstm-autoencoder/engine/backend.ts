// TensorFlow.js backend selection, once per process (every worker thread selects its own).
//
// Preference: @tensorflow/tfjs-node (native TensorFlow, multi-threaded) when it can be required; else the
// WebAssembly backend (XNNPACK, SIMD) with the kernel fixes of ./wasm-kernel-fixes.ts; else the pure
// JavaScript 'cpu' backend, which always works but is far slower. tfjs-node is an optional dependency
// that cannot be installed everywhere, hence the runtime probe instead of an import.

import * as tf from '@tensorflow/tfjs';
import { installWasmKernelFixes, WasmKernelFix } from './wasm-kernel-fixes';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCE: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendSelection {
  /** The tfjs backend now active: 'tensorflow' is tfjs-node. */
  name: BackendName;
  /** Kernel fixes installed for this backend (wasm only). */
  fixes: WasmKernelFix[];
  /** Backends tried before the chosen one, and why each was passed over. */
  skipped: Array<{ name: BackendName; reason: string }>;
}

export interface BackendOptions {
  /** Order in which to try backends; default tensorflow, wasm, cpu. Only the first call's options count. */
  preference?: readonly BackendName[];
  /** Receives one line naming the chosen backend (library code does not print by itself). */
  log?: (message: string) => void;
}

let selection: Promise<BackendSelection> | undefined;

/**
 * Picks and initialises the fastest available backend. Idempotent: later calls return the first
 * selection (and log it again if given a logger), whatever options they pass.
 */
export function selectBackend(options: BackendOptions = {}): Promise<BackendSelection> {
  if (selection === undefined) {
    selection = trySelect(options.preference ?? BACKEND_PREFERENCE).catch((error: unknown) => {
      selection = undefined; // let a later call retry
      throw error;
    });
  }
  const log = options.log;
  return log === undefined
    ? selection
    : selection.then((chosen) => {
        log(describeSelection(chosen));
        return chosen;
      });
}

export function describeSelection(chosen: BackendSelection): string {
  const fixes = chosen.fixes.length > 0 ? ` with fixes ${chosen.fixes.join(', ')}` : '';
  const skipped = chosen.skipped.map((entry) => `${entry.name}: ${entry.reason}`).join('; ');
  return `tfjs backend: ${chosen.name}${fixes}${skipped ? ` (skipped ${skipped})` : ''}`;
}

async function trySelect(preference: readonly BackendName[]): Promise<BackendSelection> {
  const skipped: BackendSelection['skipped'] = [];
  for (const name of preference) {
    try {
      const fixes = await activate(name);
      return { name, fixes, skipped };
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    }
  }
  throw new Error(`no usable tfjs backend: ${skipped.map((entry) => `${entry.name}: ${entry.reason}`).join('; ')}`);
}

async function activate(name: BackendName): Promise<WasmKernelFix[]> {
  switch (name) {
    case 'tensorflow':
      // Registers the 'tensorflow' backend with the shared tfjs-core instance as a side effect; loaded only
      // when chosen, because the optional native package is usually absent.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-node');
      await setBackendOrThrow('tensorflow');
      return [];
    case 'wasm':
      // Registers the 'wasm' backend; its .wasm binaries are located next to the package's JS in Node.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-backend-wasm');
      await withoutLibraryProcessHandlers(() => setBackendOrThrow('wasm'));
      return installWasmKernelFixes();
    case 'cpu':
      // The cpu backend greets Node users with a console banner recommending tfjs-node; PROD silences
      // tfjs' own console output, which a service should not emit anyway.
      tf.env().set('PROD', true);
      await setBackendOrThrow('cpu');
      return [];
    default:
      throw new Error(`unknown backend ${String(name)}`);
  }
}

const PROCESS_EVENTS = ['unhandledRejection', 'uncaughtException'] as const;

/**
 * Runs `load`, then removes the process-wide 'unhandledRejection' and 'uncaughtException' listeners it
 * added. The WebAssembly backend's Emscripten loader installs handlers that rethrow every unhandled
 * rejection and uncaught exception of the whole process (any stray promise anywhere ended the server);
 * how the process treats those is the application's decision (src/main/process-errors.ts). Returns how
 * many listeners were removed (engine/backend.test.ts fails if the library stops adding them).
 */
export async function withoutLibraryProcessHandlers(load: () => Promise<void>): Promise<number> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  await load();
  let removed = 0;
  for (const event of PROCESS_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (before.get(event)!.has(listener)) continue;
      emitter.removeListener(event, listener as (...args: unknown[]) => void);
      removed++;
    }
  }
  return removed;
}

async function setBackendOrThrow(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

/** The name of the active tfjs backend (whatever selected it). */
export function activeBackendName(): string {
  return tf.getBackend();
}
