// jspurefix resolves its parsers through tsyringe, which needs the decorator metadata polyfill loaded first.
import 'reflect-metadata';
import { DefinitionFactory } from 'jspurefix/dist/util/definition-factory';
import type { FixDefinitions } from 'jspurefix/dist/dictionary/definition';

/**
 * The standard FIX 4.4 dictionary (QuickFIX's FIX44.xml, shipped inside jspurefix: no install step).
 * Parsing it takes a few hundred milliseconds, so a process parses it once and shares it.
 */
const DICTIONARY_NAME = 'qf44';

let loading: Promise<FixDefinitions> | undefined;

export const fix44Definitions = (): Promise<FixDefinitions> => {
  loading ??= new DefinitionFactory().getDefinitions(DICTIONARY_NAME);
  return loading;
};
