package dev.trainingplatform.ml.testdata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The Large Movie Review layout in miniature: aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt and
 * an imdb_word_index.json beside it. Learnable: positive reviews praise, negative ones pan.
 */
public final class ImdbFiles {

    public static final List<String> WORDS = List.of("the", "a", "movie", "and", "was", "great", "awful", "plot",
            "acting", "i", "it", "wonderful", "terrible", "film", "story");

    private ImdbFiles() {}

    public static Path write(Path dir, int perFolder) throws IOException {
        Random random = new Random(5);
        for (String split : List.of("train", "test")) {
            for (String polarity : List.of("pos", "neg")) {
                Path folder = Files.createDirectories(dir.resolve("aclImdb").resolve(split).resolve(polarity));
                for (int i = 0; i < perFolder; i++) {
                    StringBuilder text = new StringBuilder();
                    for (int w = 0; w < 30 + random.nextInt(40); w++) {
                        String word = WORDS.get(random.nextInt(5));
                        if (random.nextInt(5) == 0) {
                            word = polarity.equals("pos") ? (random.nextBoolean() ? "great" : "wonderful")
                                    : (random.nextBoolean() ? "awful" : "terrible");
                        }
                        text.append(word).append(random.nextInt(10) == 0 ? ". " : " ");
                    }
                    Files.writeString(folder.resolve(i + "_" + (polarity.equals("pos") ? 8 : 2) + ".txt"), text.toString());
                }
            }
        }
        StringBuilder json = new StringBuilder("{");
        for (int r = 0; r < WORDS.size(); r++) {
            json.append(r == 0 ? "" : ", ").append('"').append(WORDS.get(r)).append("\": ").append(r + 1);
        }
        Files.writeString(dir.resolve("imdb_word_index.json"), json.append("}").toString());
        return dir;
    }
}
