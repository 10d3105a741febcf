import { invariant } from '../../domain/invariant';
import { isWellFormedSymbol } from '../../domain/market/symbol';

/** Ingest sizes its typed arrays by this; the seed plans for about 10K active symbols. */
export const SYMBOLS_MAX = 16_384;

/** The symbol universe of one ingest process: symbol <-> dense integer id, so hot-path state lives in typed arrays. */
export class SymbolTable {
  readonly #ids = new Map<string, number>();
  readonly #names: string[];

  constructor(symbols: readonly string[]) {
    invariant(symbols.length <= SYMBOLS_MAX, `at most ${SYMBOLS_MAX} symbols, got ${symbols.length}`);
    this.#names = [...symbols];
    this.#names.forEach((symbol, id) => {
      invariant(isWellFormedSymbol(symbol), `malformed symbol ${symbol}`);
      invariant(!this.#ids.has(symbol), `duplicate symbol ${symbol}`);
      this.#ids.set(symbol, id);
    });
  }

  get size(): number {
    return this.#names.length;
  }

  id(symbol: string): number | undefined {
    return this.#ids.get(symbol);
  }

  name(id: number): string {
    const symbol = this.#names[id];
    invariant(symbol !== undefined, `no symbol with id ${id}`);
    return symbol;
  }

  has(symbol: string): boolean {
    return this.#ids.has(symbol);
  }
}
