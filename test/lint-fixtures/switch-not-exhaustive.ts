type Side = 'buy' | 'sell' | 'short';

export const sign = (side: Side): number => {
  switch (side) {
    case 'buy': return 1;
    case 'sell': return -1;
  }
  return 0;
};
