package io.vpanel.driver.vsphere;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Reading helpers over a parsed response: children by local name, text, {@code xsi:type}. Every
 * lookup tolerates what it does not know (newer servers send more fields): missing elements are
 * {@code null} or empty, never an exception.
 */
final class Xml {
  private Xml() {}

  static Element first(Node node) {
    if (node == null) {
      return null;
    }
    for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
      if (c instanceof Element e) {
        return e;
      }
    }
    return null;
  }

  static Element child(Node node, String local) {
    if (node == null) {
      return null;
    }
    for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
      if (c instanceof Element e && local.equals(e.getLocalName())) {
        return e;
      }
    }
    return null;
  }

  static List<Element> children(Node node, String local) {
    List<Element> out = new ArrayList<>();
    if (node == null) {
      return out;
    }
    for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
      if (c instanceof Element e && local.equals(e.getLocalName())) {
        out.add(e);
      }
    }
    return out;
  }

  /** The element at a path of child names, or null. */
  static Element path(Node node, String... names) {
    Node at = node;
    for (String name : names) {
      at = child(at, name);
      if (at == null) {
        return null;
      }
    }
    return (Element) at;
  }

  /** The trimmed text of an element, or null when there is no element. */
  static String text(Element element) {
    return element == null ? null : element.getTextContent().strip();
  }

  static String text(Node node, String... names) {
    return text(path(node, names));
  }

  static Optional<Long> number(Element element) {
    String text = text(element);
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The local part of the element's {@code xsi:type}, or {@code fallback}. */
  static String xsiType(Element element, String fallback) {
    if (element == null) {
      return fallback;
    }
    String type = element.getAttributeNS(SoapBody.XSI, "type");
    if (type == null || type.isEmpty()) {
      return fallback;
    }
    int colon = type.indexOf(':');
    return colon < 0 ? type : type.substring(colon + 1);
  }

  /** A ManagedObjectReference element, or null when absent or malformed. */
  static MoRef ref(Element element) {
    if (element == null) {
      return null;
    }
    String type = element.getAttribute("type");
    String value = text(element);
    if (type == null || type.isEmpty() || value == null || value.isEmpty()) {
      return null;
    }
    return new MoRef(type, value);
  }
}
