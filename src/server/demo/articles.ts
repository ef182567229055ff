/**
 * The magazine's articles. The first paragraph of each is the free teaser on the front page;
 * the whole text is the paid article.
 */

export interface Article {
  slug: string;
  title: string;
  dek: string;
  author: string;
  /** ISO date of publication. */
  date: string;
  paragraphs: string[];
}

export const ARTICLES: readonly Article[] = [
  {
    slug: 'stones-of-yap',
    title: 'The Stones of Yap',
    dek: 'On a Pacific island, money too heavy to move taught economists what money really is.',
    author: 'Mara Ellison',
    date: '2024-03-04',
    paragraphs: [
      'On the island of Yap, in the western Caroline Islands, the largest coins stand taller than a man and weigh as much as a small car. They are discs of limestone called rai, each with a hole in the middle, and many of them have not moved in more than a century. They lean against houses, line the village paths and rest in the shade of the meeting houses, and yet they change hands all the time.',
      'The stone was not found on Yap at all. It was quarried on the islands of Palau, some four hundred kilometres away, and carried home on rafts and canoes across open sea. A stone was valued not only for its size but for its history: how hard it had been to cut, how many men had died bringing it back, which famous navigator had led the voyage. Two discs of the same diameter could be worth very different amounts.',
      'Because the big stones were impractical to carry, the Yapese did not bother. When a stone paid for a dowry or settled a debt, everyone concerned simply agreed that it now belonged to someone else, and it stayed where it was. The ledger was the memory of the community. The American anthropologist William Henry Furness III, who visited in the early 1900s, recorded a story of one family whose fortune was a great stone lost overboard in a storm on the way home from Palau. Nobody had seen it for generations, but since everyone agreed it existed and whose it was, it went on buying things from the bottom of the sea.',
      'When the German administration wanted the chiefs to repair the island roads, it found that fines in marks meant little. Instead officials painted black crosses on the most valuable stones, claiming them for the government. The roads were fixed at once, and the crosses were scrubbed off. Milton Friedman later retold the story to make a point about the gold in the vaults of central banks, which also changes owners without moving an inch.',
      'What Yap shows is that the physical token was never the point. Money there was a shared record of who owed what to whom, and the stones were the pegs on which that record hung. Every system since, from clay tablets to bank ledgers to a blockchain, has been an attempt to keep the same record more reliably among people who do not all know one another.',
    ],
  },
  {
    slug: 'tally-sticks',
    title: 'Notches in Hazel',
    dek: 'For six centuries the English state kept its accounts on split sticks, and then burned down Parliament getting rid of them.',
    author: 'Tom Achterberg',
    date: '2024-05-19',
    paragraphs: [
      'From the twelfth century until 1826 the English Exchequer recorded money paid into the royal treasury on sticks of hazel or willow. A clerk cut notches across a squared stick, their width standing for the sum: a notch as wide as a palm for a thousand pounds, a thumb for a hundred, a little finger for twenty, a barleycorn for a single pound, with shillings and pence as smaller cuts and scratches. The name of the payer and the date were written along the side in ink.',
      'The clever part came next. The stick was split lengthwise through the notches, so that each half carried the same marks. The longer piece, the stock, went to the person who had paid; the shorter, the foil, stayed with the Exchequer. Because no two pieces of wood split the same way, the halves could be matched at audit and a forgery was obvious at a glance. This is where English gets the word stockholder, and arguably the idea of a counterfoil.',
      'Tallies soon became more than receipts. A stock recording that the Crown owed money could be handed to someone else in payment, and the Exchequer would honour it when it was presented. In the hands of merchants and bankers the sticks circulated as a kind of government debt, centuries before paper bonds.',
      'The system outlived its usefulness by a very long time. It was abolished by statute in 1826, but the old sticks remained stored in the Palace of Westminster. In October 1834 workmen were told to dispose of them and burned them in the stoves beneath the House of Lords. They overheated the flues, and by nightfall the medieval palace was ablaze. Almost all of it was lost, which is why the Houses of Parliament that tourists photograph today are a Victorian building. Charles Dickens, who had little patience with official inertia, told the story with relish as a parable about bureaucracy.',
    ],
  },
  {
    slug: 'flying-cash',
    title: 'Flying Cash',
    dek: 'China printed the world’s first paper money because its coins were too heavy to carry, and learned the hard lessons first too.',
    author: 'Lin Qiao',
    date: '2024-07-02',
    paragraphs: [
      'Under the Tang dynasty, merchants who sold tea in the provinces faced an awkward problem: the strings of bronze coins they were paid in were heavy, and carrying them back to the capital was slow and dangerous. From the early ninth century they could instead deposit the coins with a provincial office and receive a certificate redeemable in the capital. People called these certificates flying cash, because the money seemed to travel without being carried.',
      'In Sichuan the problem was worse. The province used iron coins, worth so little that a modest purchase could weigh more than a person could carry. Around the end of the tenth century, deposit shops in Chengdu began issuing paper receipts, jiaozi, against coins left with them, and the receipts passed from hand to hand in place of the iron. Some shops issued more receipts than they held coins, and some failed; in 1023 the Song government took the business over and began issuing jiaozi itself, with a fixed term, a set quantity and a reserve of coin behind it.',
      'It worked, and then it worked too well. Paper was cheaper to make than coins and governments at war always need more money than they have. Later Song issues were printed in growing quantities and lost value. The Mongol Yuan dynasty went further and made paper the main currency of the empire. Marco Polo described with wonder how the Great Khan made money from mulberry bark and how nobody dared refuse it. Within a few generations over-issue had ruined it.',
      'The Ming dynasty tried paper again and watched it fail again, and by the fifteenth century China had largely returned to silver, much of it mined in the Americas and carried across the Pacific by Spanish galleons. Europe would take up paper money only centuries later, and would relearn every one of these lessons on its own.',
    ],
  },
  {
    slug: 'double-entry',
    title: 'Every Debit Has a Credit',
    dek: 'How Italian merchants turned arithmetic into a way of telling the truth about a business.',
    author: 'Giulia Ferrante',
    date: '2024-09-15',
    paragraphs: [
      'In 1494 a Franciscan friar and mathematician named Luca Pacioli published in Venice a vast textbook of arithmetic and geometry, the Summa de arithmetica. Tucked inside was a short treatise on how merchants should keep their books, and it became the first printed description of what we now call double-entry bookkeeping. Pacioli did not invent the method. He wrote down what he called the method of Venice, already in use by Italian traders for two centuries.',
      'The idea is simple to state. Every transaction is recorded twice, once as a debit in one account and once as an equal credit in another. If you buy cloth for cash, the cloth account grows and the cash account shrinks by the same amount. Because every entry has its twin, the two sides of the books must always add up to the same total. If they do not, there is a mistake, and the search for it begins.',
      'The earliest complete books in this style that survive come from the treasurers of Genoa in 1340, and the great merchant houses of Florence, the Medici bank among them, used it to control branches spread from London to Bruges to Rome. A partner in Florence could read the books of a manager in Geneva and know, without travelling there, whether the branch made money and where it was exposed.',
      'The ledger was a tool of trust as much as of arithmetic. A balanced set of books was evidence that a business was honestly run, and a merchant who could show one could borrow more cheaply. Five centuries later, every spreadsheet, every bank statement and every payment channel that keeps a running balance between two parties is a descendant of those Venetian pages.',
    ],
  },
  {
    slug: 'small-change',
    title: 'The Trouble With Small Change',
    dek: 'For most of history the hardest coins to find were the cheapest ones, and ordinary people paid for it.',
    author: 'Mara Ellison',
    date: '2024-11-28',
    paragraphs: [
      'A silver penny was a fine thing to own and a terrible thing to spend. For centuries the smallest coin a European mint would strike was still worth far more than a loaf of bread or a mug of ale, because a coin had to contain its value in metal, and a coin containing a farthing’s worth of silver would be too small to hold. The people who most needed to make small payments were the ones the monetary system served worst.',
      'They improvised. Shopkeepers gave credit and kept a slate. Coins were cut into halves and quarters. In seventeenth-century England, when the Crown failed to supply enough copper farthings, thousands of tradesmen, innkeepers and town councils struck their own tokens in brass and copper, stamped with a name and a street and good only at the shop that issued them. Historians have catalogued more than twelve thousand different designs.',
      'The problem was not really solved until the age of steam. In 1797 Matthew Boulton’s Soho Mint in Birmingham began striking copper pennies for the government on steam-powered presses: heavy coins with a raised rim, nicknamed cartwheels, made so uniform that they were difficult to counterfeit. Small change had finally become cheap enough to make in quantity, and trustworthy enough to accept without a second look.',
      'The same tension returned with the internet. A newspaper article, a photograph or a minute of music is worth a few cents to a reader, but card payments carry fixed fees that make a few cents impossible, so the web fell back on the old improvisations: subscriptions, which are a kind of slate, and advertising, which is a kind of token paid by someone else. Paying a few satoshis for each item through a channel is another attempt at the same old problem: small change that costs less to spend than it is worth.',
    ],
  },
];

export function articleBySlug(slug: string): Article | undefined {
  return ARTICLES.find((a) => a.slug === slug);
}

export function wordCount(a: Article): number {
  return a.paragraphs.join(' ').split(/\s+/).length;
}
