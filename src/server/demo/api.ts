/** The pay-per-call JSON API: quotations about money and a timeline of monetary history. */

export interface Quote {
  id: number;
  text: string;
  author: string;
  source: string;
}

export const QUOTES: readonly Quote[] = [
  { id: 1, text: 'Money is a new form of slavery, and distinguishable from the old simply by the fact that it is impersonal.', author: 'Leo Tolstoy', source: 'What Then Must We Do? (1886)' },
  { id: 2, text: 'The process by which banks create money is so simple that the mind is repelled.', author: 'J. K. Galbraith', source: 'Money: Whence It Came, Where It Went (1975)' },
  { id: 3, text: 'Bad money drives out good.', author: 'Gresham’s law', source: 'after Sir Thomas Gresham (16th century)' },
  { id: 4, text: 'Money, it turned out, was exactly like sex: you thought of nothing else if you didn’t have it and thought of other things if you did.', author: 'James Baldwin', source: 'Esquire (1961)' },
  { id: 5, text: 'Inflation is always and everywhere a monetary phenomenon.', author: 'Milton Friedman', source: 'The Counter-Revolution in Monetary Theory (1970)' },
  { id: 6, text: 'Beware of little expenses; a small leak will sink a great ship.', author: 'Benjamin Franklin', source: 'Poor Richard’s Almanack (1758)' },
  { id: 7, text: 'Money is coined liberty.', author: 'Fyodor Dostoevsky', source: 'The House of the Dead (1862)' },
  { id: 8, text: 'A purely peer-to-peer version of electronic cash would allow online payments to be sent directly from one party to another without going through a financial institution.', author: 'Satoshi Nakamoto', source: 'Bitcoin: A Peer-to-Peer Electronic Cash System (2008)' },
];

export interface TimelineEvent {
  year: number;
  event: string;
}

export const TIMELINE: readonly TimelineEvent[] = [
  { year: -600, event: 'Lydia strikes the first known coins, in electrum.' },
  { year: 806, event: 'Tang China introduces flying cash, deposit certificates for merchants.' },
  { year: 1023, event: 'The Song government takes over the issue of jiaozi notes in Sichuan.' },
  { year: 1100, event: 'The English Exchequer records payments on split tally sticks.' },
  { year: 1284, event: 'Venice strikes its first gold ducat.' },
  { year: 1340, event: 'Genoa’s treasurers keep the oldest surviving complete double-entry books.' },
  { year: 1494, event: 'Luca Pacioli prints the method of Venice in his Summa de arithmetica.' },
  { year: 1661, event: 'Stockholms Banco issues the first European banknotes.' },
  { year: 1694, event: 'The Bank of England is founded to lend to the Crown.' },
  { year: 1797, event: 'Boulton’s Soho Mint strikes the cartwheel penny on steam presses.' },
  { year: 1826, event: 'Tally sticks are abolished by statute; in 1834 burning them sets Parliament alight.' },
  { year: 1971, event: 'The dollar’s convertibility into gold ends.' },
  { year: 2009, event: 'The Bitcoin network mines its first block.' },
];

let nextQuote = 0;

/** A quote by id, or the next one in turn (so repeated calls cycle through them all). */
export function quote(id?: number): Quote | undefined {
  if (id !== undefined) return QUOTES.find((q) => q.id === id);
  const q = QUOTES[nextQuote % QUOTES.length]!;
  nextQuote++;
  return q;
}

/** The events within `span` years either side of `year`. */
export function timeline(year: number, span = 100): TimelineEvent[] {
  return TIMELINE.filter((e) => Math.abs(e.year - year) <= span);
}
