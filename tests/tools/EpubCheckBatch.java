import com.adobe.epubcheck.tool.EpubChecker;

/** Runs EPUBCheck on each (book, report) pair of the arguments in one JVM. */
public class EpubCheckBatch {
    public static void main(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            new EpubChecker().run(new String[] {args[i], "-u", "--json", args[i + 1]});
        }
    }
}
