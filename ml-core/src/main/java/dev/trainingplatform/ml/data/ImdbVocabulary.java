package dev.trainingplatform.ml.data;

import dev.trainingplatform.contract.DatasetSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How an IMDB job turned text into token ids (ImdbReviews): Keras' word index, the job's vocabulary
 * size and sequence length. For running an exported text model on new reviews, and for the
 * vocabulary file written beside it.
 */
public record ImdbVocabulary(Map<String, Integer> wordIndex, int vocabularySize, int maxLength) {

    /** The names the ids below the first word's have in the vocabulary file. */
    private static final List<String> RESERVED = List.of("<pad>", "<start>", "<unknown>", "<unused>");

    /** The vocabulary of a job on {@code dataset}, with Keras' word index read from {@code wordIndexFile}. */
    public static ImdbVocabulary of(DatasetSpec dataset, Path wordIndexFile) {
        try {
            if (Files.size(wordIndexFile) > DataFiles.MAX_FILE_BYTES) {
                throw new dev.trainingplatform.ml.JobRejectedException(dev.trainingplatform.contract.ErrorCode.LIMIT_EXCEEDED,
                        wordIndexFile + " has more than the " + DataFiles.MAX_FILE_BYTES + " bytes read from one file");
            }
        } catch (java.io.IOException e) {
            throw new dev.trainingplatform.ml.JobRejectedException(dev.trainingplatform.contract.ErrorCode.DATA_NOT_FOUND,
                    "cannot read the word index " + wordIndexFile + ": " + e.getMessage());
        }
        return new ImdbVocabulary(ImdbReviews.readWordIndex(wordIndexFile),
                DatasetOptions.integer(dataset, "vocabularySize", 20_000, 4, 10_000_000),
                DatasetOptions.integer(dataset, "maxLength", 200, 1, 100_000));
    }

    /**
     * Where the job's word index lies if the job read it from a local path: its {@code wordIndex}
     * option, else {@code imdb_word_index.json} beside its data (as ImdbReviews looks for it).
     */
    public static Optional<Path> wordIndexOf(DatasetSpec dataset) {
        List<Path> candidates = new ArrayList<>();
        String given = dataset.getOptions().get("wordIndex");
        if (given != null && !given.contains(":")) {
            candidates.add(Path.of(given));
        }
        String location = dataset.getLocation();
        if (location != null && !location.startsWith("http:") && !location.startsWith("https:")) {
            Path p = Path.of(location.startsWith("file:") ? java.net.URI.create(location).getPath() : location);
            candidates.add(p.resolve("imdb_word_index.json"));
            if (p.getParent() != null) {
                candidates.add(p.getParent().resolve("imdb_word_index.json"));
            }
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    /** A review's token ids, as the job's data had them: start token, word ids, left-padded to maxLength. */
    public float[] ids(String review) {
        int[] ids = ImdbReviews.sequence(review, wordIndex, vocabularySize, maxLength);
        float[] out = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    /** Line i is the word with token id i (the first four are reserved), for ids below the vocabulary size. */
    public List<String> lines() {
        String[] words = new String[vocabularySize];
        for (int i = 0; i < RESERVED.size() && i < words.length; i++) {
            words[i] = RESERVED.get(i);
        }
        wordIndex.forEach((w, rank) -> {
            int id = rank + ImdbReviews.INDEX_FROM;
            if (id >= RESERVED.size() && id < vocabularySize) {
                words[id] = w;
            }
        });
        for (int i = 0; i < words.length; i++) {
            if (words[i] == null) {
                words[i] = "<none>";
            }
        }
        return Arrays.asList(words);
    }
}
