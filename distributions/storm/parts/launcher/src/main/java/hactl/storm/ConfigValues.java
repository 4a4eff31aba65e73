package hactl.storm;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.storm.utils.Utils;

/**
 * bin/storm's configuration reader: the merged value of each key given (storm.yaml over defaults.yaml,
 * then -Dstorm.options, exactly as a daemon reads them: {@link Utils#readStormConfig()}), read once.
 *
 * <p>Upstream's bin/storm.py asks org.apache.storm.command.ConfigValue once per key, one JVM each:
 * four JVMs (about 1 s of CPU each) before every daemon start. This prints the same values for
 * several keys from one JVM, one line per key in the order given:
 *
 * <pre>VALUE &lt;key&gt;: &lt;value&gt;</pre>
 *
 * <p>A value is rendered as ConfigValue renders it (storm-core 2.8.3): a list's items joined with
 * one space, anything else {@code String.valueOf} (a missing key prints {@code null}).
 */
public final class ConfigValues {
  private ConfigValues() {}

  public static void main(String[] args) {
    Map<String, Object> conf = Utils.readStormConfig();
    StringBuilder out = new StringBuilder();
    for (String key : args) {
      out.append("VALUE ").append(key).append(": ").append(render(conf.get(key))).append('\n');
    }
    System.out.print(out);
    System.out.flush();
  }

  /** ConfigValue's rendering of one value. */
  static String render(Object value) {
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).collect(Collectors.joining(" "));
    }
    return String.valueOf(value);
  }
}
