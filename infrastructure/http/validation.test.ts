import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { closedObject, decodeBody, PRICE_DECIMAL, QUANTITY_DECIMAL } from './validation';

const Body = closedObject('Body', { symbol: t.string, quantity: QUANTITY_DECIMAL }, { limit_price: PRICE_DECIMAL, legs: t.array(t.type({ price: PRICE_DECIMAL })) });
const fieldOf = (input: unknown) => {
  const decoded = decodeBody(Body, input);
  return E.isLeft(decoded) ? decoded.left.field : 'ok';
};

describe('decodeBody', () => {
  it('accepts decimal strings and drops nothing it knows', () => {
    expect(decodeBody(Body, { symbol: 'AAPL', quantity: '0.5', limit_price: '185.5' })).toEqual(E.right({ symbol: 'AAPL', quantity: '0.5', limit_price: '185.5' }));
  });

  it.each([
    [{ symbol: 'AAPL', quantity: 10 }, 'quantity'],
    [{ symbol: 'AAPL', quantity: '10', limit_price: 185.5 }, 'limit_price'],
    [{ symbol: 'AAPL', quantity: '-1' }, 'quantity'],
    [{ symbol: 'AAPL', quantity: '1e3' }, 'quantity'],
    [{ symbol: 'AAPL', quantity: '01' }, 'quantity'],
    [{ symbol: 'AAPL', quantity: '1.1234567' }, 'quantity'],
    [{ symbol: 'AAPL', quantity: '1', limit_price: '1.12345' }, 'limit_price'],
    [{ symbol: 'AAPL', quantity: '1', legs: [{ price: '1' }, { price: 2 }] }, 'legs[1].price'],
    [{ quantity: '1' }, 'symbol'],
    [{ symbol: 'AAPL', quantity: '1', sneaky: true }, 'sneaky'],
    [[1, 2], undefined],
    [null, undefined],
  ])('refuses %j naming %s', (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });

  it('explains a float in a money field', () => {
    const decoded = decodeBody(Body, { symbol: 'AAPL', quantity: '1', limit_price: 185.5 });
    expect(E.isLeft(decoded) && decoded.left).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit_price', message: expect.stringContaining('not a JSON number') });
  });

  it.each([
    [{ symbol: 'AA\u0000PL', quantity: '1' }, 'symbol'],
    [{ symbol: 'AAPL', quantity: '1', legs: [{ price: '1' }, { price: '1\ud800' }] }, 'legs[1].price'],
  ])('refuses a string the event store cannot hold in %j, before the codec, naming %s', (input, field) => {
    const decoded = decodeBody(Body, input);
    expect(E.isLeft(decoded) && decoded.left).toMatchObject({ code: 'VALIDATION_FAILED', field, message: expect.stringContaining('unpaired UTF-16 surrogate') });
  });
});
