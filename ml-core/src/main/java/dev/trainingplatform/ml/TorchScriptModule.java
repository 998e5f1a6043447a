package dev.trainingplatform.ml;

import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript module that libtorch compiles from source text when it loads it, for the engine
 * operations DJL's NDArray API does not reach (PyTorch's fused optimizer kernels).
 *
 * <p>Why written here: DJL loads TorchScript only as a saved archive, and a saved archive is a zip
 * of the module's source ({@code code/__torch__.py}), the pickled module object (here an instance
 * of that class with no attributes), an empty constants table and a format version. libtorch
 * compiles the source on load, as it does for every archive {@code torch.jit.save} writes, so the
 * four small entries below need neither Python at build time nor a binary file in the repository.
 */
public final class TorchScriptModule {

    private TorchScriptModule() {}

    /**
     * @param className the module's class, declared in {@code source} as {@code class Name(Module)}
     * @param source    TorchScript in the form libtorch's serializer writes (typed signatures, explicit self)
     */
    public static PtSymbolBlock load(PtNDManager manager, String className, String source) {
        try {
            return JniUtils.loadModule(manager, new ByteArrayInputStream(archive(className, source)), true, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] archive(String className, String source) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            String root = "module/";
            store(zip, root + "data.pkl", emptyModuleObject(className));
            store(zip, root + "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            store(zip, root + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // protocol 2, (), stop
            store(zip, root + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Pickle (protocol 2) of {@code __torch__.<className>()} with an empty state: GLOBAL, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, BUILD, STOP. */
    private static byte[] emptyModuleObject(String className) {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.write(0x80);
        pickle.write(2);
        pickle.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        pickle.writeBytes(new byte[] {')', (byte) 0x81, '}', 'b', '.'});
        return pickle.toByteArray();
    }

    private static void store(ZipOutputStream zip, String name, byte[] data) throws IOException {
        // Stored, not deflated: libtorch's reader expects records it can read in place.
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }
}
