// What the front end changed in a sentence: the written words and the words read aloud, each marked
// changed or kept, from their longest common subsequence. Words, not characters: a producer looks for
// "২৫টি became পঁচিশটি", and a character diff of Bangla would split conjuncts and vowel signs apart.

const MAX_CELLS = 250_000; // a 500-word sentence against itself; beyond, the row is marked as a whole

/** Words and the spaces between them, so the pieces join back into the text. */
function pieces(text) {
  return text.split(/(\s+)/).filter((p) => p !== "");
}

// NFD on both sides: kontho reads য় ড় ঢ় as one code point each, which NFC would leave apart.
const same = (a, b) => a.normalize("NFD") === b.normalize("NFD");

/**
 * ``{written, spoken}``: each a list of ``{text, changed}`` pieces; null when the texts are too long to
 * compare word by word.
 */
export function wordDiff(written, spoken) {
  const a = pieces(written);
  const b = pieces(spoken);
  if (a.length * b.length > MAX_CELLS) return null;
  // lengths[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lengths = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lengths[i][j] = same(a[i], b[j]) ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const out = { written: [], spoken: [] };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && same(a[i], b[j])) {
      out.written.push({ text: a[i++], changed: false });
      out.spoken.push({ text: b[j++], changed: false });
    } else if (j < b.length && (i === a.length || lengths[i][j + 1] >= lengths[i + 1][j])) {
      out.spoken.push({ text: b[j++], changed: !/^\s+$/.test(b[j - 1]) });
    } else {
      out.written.push({ text: a[i++], changed: !/^\s+$/.test(a[i - 1]) });
    }
  }
  return out;
}
