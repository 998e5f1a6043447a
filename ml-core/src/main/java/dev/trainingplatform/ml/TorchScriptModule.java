package dev.trainingplatform.ml;

import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import dev.trainingplatform.ml.model.InferenceScript;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript module that libtorch compiles from source text when it loads it: the training
 * step's engine operations DJL's NDArray API does not reach (PyTorch's fused optimizer kernels), and
 * a trained model exported for use elsewhere (InferenceScript).
 *
 * <p>Why written here: DJL loads TorchScript only as a saved archive, and a saved archive is a zip
 * of the module's source ({@code code/__torch__.py}), the pickled module object (an instance of that
 * class, with the model's arrays as attributes where it has any, their bytes in records of their own),
 * an empty constants table and a format version. libtorch compiles the source on load, as it does for
 * every archive {@code torch.jit.save} writes, so these few entries need neither Python at build time
 * nor a binary file in the repository; DJL itself has no exporter (it saves its own parameter stream).
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
        return archive(className, source, List.of(), false);
    }

    /** The saved form of a model's inference module, which {@code torch.jit.load} and DJL load. */
    public static byte[] archive(InferenceScript script) {
        return archive(InferenceScript.CLASS_NAME, script.source(), script.tensors(), true);
    }

    /**
     * A saved module whose object holds {@code tensors} as attributes (float32, on the CPU), and
     * {@code training} where the class declares it (every module Python made has one), as
     * {@code torch.jit.save} writes one: each array's bytes in {@code data/<i>}, the pickled object
     * referring to them by that key. Also read by PyTorch's {@code torch.jit.load} (1.13 and later).
     */
    private static byte[] archive(String className, String source, List<InferenceScript.Tensor> tensors,
                                  boolean training) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            String root = "module/";
            store(zip, root + "data.pkl", moduleObject(className, tensors, training));
            store(zip, root + "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            store(zip, root + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // protocol 2, (), stop
            store(zip, root + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < tensors.size(); i++) {
                float[] values = tensors.get(i).values();
                ByteBuffer data = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES))
                        .order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(values);
                store(zip, root + "data/" + i, data.array());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Pickle (protocol 2) of {@code __torch__.<className>()} whose state is {@code training = False} (where
     * asked) and the tensors: GLOBAL, EMPTY_TUPLE, NEWOBJ, then a dict of the attributes, BUILD, STOP. Each tensor
     * is {@code torch._utils._rebuild_tensor_v2(storage, 0, sizes, strides, False, OrderedDict())}, its
     * storage a persistent id ({@code ('storage', torch.FloatStorage, key, 'cpu', numel)}) naming the
     * {@code data/<key>} record, as libtorch's pickler writes them.
     */
    private static byte[] moduleObject(String className, List<InferenceScript.Tensor> tensors, boolean training) {
        Pickle p = new Pickle();
        p.op(0x80).op(2).global("__torch__", className).op(')').op(0x81).op('}').op('(');
        if (training) {
            p.string("training").op(0x89);
        }
        for (int i = 0; i < tensors.size(); i++) {
            InferenceScript.Tensor t = tensors.get(i);
            p.string(t.name());
            p.global("torch._utils", "_rebuild_tensor_v2").op('(');
            p.op('(').string("storage").global("torch", "FloatStorage").string(Integer.toString(i)).string("cpu")
                    .integer(t.values().length).op('t').op('Q');
            p.integer(0);
            long[] shape = t.shape();
            p.op('(');
            for (long d : shape) {
                p.integer(d);
            }
            p.op('t').op('(');
            long stride = 1;
            long[] strides = new long[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= shape[d];
            }
            for (long st : strides) {
                p.integer(st);
            }
            p.op('t').op(0x89).global("collections", "OrderedDict").op(')').op('R');
            p.op('t').op('R');
        }
        p.op('u').op('b').op('.');
        return p.bytes.toByteArray();
    }

    /** The few pickle opcodes the module objects above need. */
    private static final class Pickle {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Pickle op(int code) {
            bytes.write(code);
            return this;
        }

        Pickle global(String module, String name) {
            bytes.write('c');
            bytes.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** BINUNICODE: length (4 bytes, little-endian), UTF-8. */
        Pickle string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            bytes.write('X');
            bytes.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
            bytes.writeBytes(utf8);
            return this;
        }

        /** BININT (4 bytes) where it fits, else LONG1 (8 bytes, two's complement, little-endian). */
        Pickle integer(long v) {
            if (v == (int) v) {
                bytes.write('J');
                bytes.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            } else {
                bytes.write(0x8a);
                bytes.write(8);
                bytes.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            }
            return this;
        }
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
