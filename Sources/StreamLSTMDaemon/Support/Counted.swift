/// "1 file", "2 files", "1 series": a count with its noun in the number it needs.
/// `plural`: for nouns that do not take an s ("series" is its own plural).
package func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 ? noun : plural ?? (noun.hasSuffix("series") ? noun : noun + "s"))"
}
