// Types for the `espeak-ng` package (an Emscripten module factory; it ships none).
declare module "espeak-ng" {
  interface ESpeakInstance {
    FS: { readFile(path: string): Uint8Array };
  }
  interface ESpeakOptions {
    arguments: string[];
    print?: (line: string) => void;
    printErr?: (line: string) => void;
    /** Emscripten's hook to instantiate the WASM ourselves (from a module compiled once). */
    instantiateWasm?: (imports: object, done: (instance: unknown) => void) => object;
  }
  const ESpeakNg: (options: ESpeakOptions) => Promise<ESpeakInstance>;
  export default ESpeakNg;
}
