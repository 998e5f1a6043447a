package dev.trainingplatform.ml.data;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonFactory;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * IMDB reviews as the Keras index sequences, built from the Large Movie Review Dataset's raw text
 * ({@code aclImdb/{train,test}/{pos,neg}/*.txt}, as a directory or its tar.gz) and Keras'
 * {@code imdb_word_index.json}: lower-case, Keras' default punctuation filter, split on whitespace,
 * a start token 1, word rank + 3 (rank + 3 at or above the vocabulary size, or unknown words, become
 * 2), then the last {@code maxLength} tokens, padded with 0 on the left. Options: vocabularySize
 * (20000), maxLength (200), wordIndex (location of the JSON; default: beside the data).
 *
 * <p>Keras' {@code imdb.npz} keeps its sequences as pickled Python lists. Unpickling runs code chosen
 * by the file, so it is not done: such a file is rejected with an explanation.
 */
public final class ImdbReviews implements DatasetLoader {

    public static final String NAME = "imdb";
    public static final String CANONICAL_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";
    public static final String KERAS_NPZ_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz";
    public static final String WORD_INDEX_URL =
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json";
    /** SHA-256 of Keras' imdb_word_index.json (the copy in this project's shared data has it). */
    private static final DataFiles.Checksum WORD_INDEX_SHA256 = new DataFiles.Checksum(
            "027313fe9a320280f3bf0fac5baf58c4a683cf39a7ed9c3d3d3912bde4284cf6", false);
    public static final List<String> CLASS_NAMES = List.of("negative", "positive");
    private static final String KERAS_FILTERS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";
    static final int PAD = 0;
    static final int START = 1;
    static final int OOV = 2;
    static final int INDEX_FROM = 3;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LoadedDataset load(DatasetSpec spec, DataFiles files) {
        String location = files.locationFor(NAME, spec.getLocation());
        int vocabulary = DatasetOptions.integer(spec, "vocabularySize", 20_000, 4, 10_000_000);
        int maxLength = DatasetOptions.integer(spec, "maxLength", 200, 1, 100_000);
        if (location.toLowerCase(Locale.ROOT).endsWith(".npz")) {
            rejectPickledNpz(files.archive(location, null));
        }
        Map<String, Integer> wordIndex = readWordIndex(wordIndexFile(spec, files, location));
        List<Review> reviews = new ArrayList<>();
        try {
            if (DataFiles.isArchive(location)) {
                readArchive(files.archive(location, null), reviews);
            } else {
                readDirectory(files.directory(location), reviews);
            }
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "cannot read IMDB reviews from " + location + ": " + e.getMessage());
        }
        reviews.sort(Comparator.comparing(Review::path));
        Split train = split(reviews, "train", wordIndex, vocabulary, maxLength).head(spec.getMaxTrainSamples());
        Split test = split(reviews, "test", wordIndex, vocabulary, maxLength).head(spec.getMaxTestSamples());
        if (train.size() == 0 || test.size() == 0) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "no reviews under {train,test}/{pos,neg}/ in " + location);
        }
        String[] words = new String[vocabulary];
        wordIndex.forEach((w, rank) -> {
            if (rank + INDEX_FROM < vocabulary) {
                words[rank + INDEX_FROM] = w;
            }
        });
        return new LoadedDataset(NAME, train, test, CLASS_NAMES, i -> decode(test, i, words));
    }

    record Review(String path, String split, int label, String text) {}

    /** Keras' text_to_word_sequence with its default filters, lower-casing and split on space. */
    static List<String> words(String text) {
        StringBuilder b = new StringBuilder(text.length());
        String lower = text.toLowerCase(Locale.ROOT);
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            b.append(KERAS_FILTERS.indexOf(c) >= 0 ? ' ' : c);
        }
        List<String> out = new ArrayList<>();
        for (String w : b.toString().split(" ")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** The padded index sequence of one review. */
    static int[] sequence(String text, Map<String, Integer> wordIndex, int vocabulary, int maxLength) {
        List<String> words = words(text);
        int[] all = new int[words.size() + 1];
        all[0] = START;
        for (int i = 0; i < words.size(); i++) {
            Integer rank = wordIndex.get(words.get(i));
            int index = rank == null ? OOV : rank + INDEX_FROM;
            all[i + 1] = index >= vocabulary ? OOV : index;
        }
        int[] padded = new int[maxLength];
        int keep = Math.min(maxLength, all.length);
        System.arraycopy(all, all.length - keep, padded, maxLength - keep, keep);
        return padded;
    }

    private static Split split(List<Review> reviews, String name, Map<String, Integer> wordIndex, int vocabulary,
                               int maxLength) {
        List<Review> selected = reviews.stream().filter(r -> r.split().equals(name)).toList();
        float[] x = new float[selected.size() * maxLength];
        float[] y = new float[selected.size()];
        for (int i = 0; i < selected.size(); i++) {
            int[] seq = sequence(selected.get(i).text(), wordIndex, vocabulary, maxLength);
            for (int t = 0; t < maxLength; t++) {
                x[i * maxLength + t] = seq[t];
            }
            y[i] = selected.get(i).label();
        }
        return new Split(x, new Shape(maxLength), y);
    }

    private static String decode(Split test, int i, String[] words) {
        int length = (int) test.sampleShape().get(0);
        StringBuilder b = new StringBuilder();
        for (int t = 0; t < length; t++) {
            int id = (int) test.features()[i * length + t];
            if (id == PAD) {
                continue;
            }
            String w = id == START ? "[START]" : id == OOV || words[id] == null ? "[OOV]" : words[id];
            b.append(b.length() == 0 ? "" : " ").append(w);
        }
        return b.toString();
    }

    private static Review review(String path, String text) {
        String[] parts = path.split("/");
        if (parts.length < 3) {
            return null;
        }
        String split = parts[parts.length - 3];
        String polarity = parts[parts.length - 2];
        if (!(split.equals("train") || split.equals("test")) || !(polarity.equals("pos") || polarity.equals("neg"))
                || !path.endsWith(".txt")) {
            return null;
        }
        return new Review(path, split, polarity.equals("pos") ? 1 : 0, text);
    }

    private static void readArchive(Path archive, List<Review> into) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.isFile()) {
                    Review r = review(e.getName(), new String(DataFiles.readAtMost(tar, e.getName()), StandardCharsets.UTF_8));
                    if (r != null) {
                        into.add(r);
                    }
                }
            }
        } catch (java.io.EOFException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, archive + " ends early (truncated archive)");
        }
    }

    private static void readDirectory(Path dir, List<Review> into) throws IOException {
        Path root = Files.isDirectory(dir.resolve("aclImdb")) ? dir.resolve("aclImdb") : dir;
        for (String split : List.of("train", "test")) {
            for (String polarity : List.of("pos", "neg")) {
                Path folder = root.resolve(split).resolve(polarity);
                if (!Files.isDirectory(folder)) {
                    continue;
                }
                try (Stream<Path> texts = Files.list(folder)) {
                    for (Path p : texts.filter(Files::isRegularFile).toList()) {
                        into.add(review(split + "/" + polarity + "/" + p.getFileName(),
                                Files.readString(p, StandardCharsets.UTF_8)));
                    }
                }
            }
        }
    }

    private static Path wordIndexFile(DatasetSpec spec, DataFiles files, String location) {
        String given = spec.getOptions().get("wordIndex");
        if (given != null) {
            return files.archive(given, null);
        }
        if (location.startsWith("http:") || location.startsWith("https:")) {
            return files.archive(WORD_INDEX_URL, WORD_INDEX_SHA256);
        }
        Path p = Path.of(location).toAbsolutePath().normalize();
        String dir = DataFiles.isArchive(location) ? p.getParent().toString() : p.toString();
        try {
            return files.file(dir, null, "imdb_word_index.json");
        } catch (JobRejectedException notInside) {
            return files.file(p.getParent().toString(), null, "imdb_word_index.json");
        }
    }

    static Map<String, Integer> readWordIndex(Path file) {
        Map<String, Integer> index = new HashMap<>();
        try (JsonParser json = new JsonFactory().createParser(file.toFile())) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String word = json.currentName();
                if (json.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                    throw new IOException("rank of '" + word + "' is not an integer");
                }
                index.put(word, json.getIntValue());
            }
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, file + " is not a word index (word to rank): " + e.getMessage());
        }
        if (index.isEmpty()) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, file + " holds no words");
        }
        return index;
    }

    /** Looks into the npz without unpickling anything, and explains why it cannot be used. */
    static void rejectPickledNpz(Path npz) {
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            ZipEntry x = zip.getEntry("x_train.npy");
            if (x == null) {
                throw new JobRejectedException(ErrorCode.DATA_CORRUPT, npz + " has no x_train.npy: not Keras' imdb.npz");
            }
            byte[] header;
            try (InputStream in = zip.getInputStream(x)) {
                header = in.readNBytes(256);
            }
            String h = new String(header, StandardCharsets.ISO_8859_1);
            if (!h.startsWith("\u0093NUMPY")) {
                throw new JobRejectedException(ErrorCode.DATA_CORRUPT, npz + ": x_train.npy is not a NumPy array file");
            }
            if (h.contains("'descr': '|O'")) {
                throw new JobRejectedException(ErrorCode.DATA_CORRUPT, npz + " stores its reviews as pickled Python "
                        + "objects, and unpickling would run code chosen by the file, so it is not read. Give the raw "
                        + "aclImdb text (directory or aclImdb_v1.tar.gz) with imdb_word_index.json beside it instead.");
            }
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, npz + ": only Keras' imdb.npz layout is known, "
                    + "and it is not supported; give the raw aclImdb text instead");
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, npz + " is not a readable .npz (zip) file: " + e.getMessage());
        }
    }

}
