import Testing
@testable import WhetInference

@Suite struct TokenizerChatTemplateTests {
    /// SmolLM2-Instruct's template as stored in the GGUF file.
    static let smolLM2Jinja = """
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system
        You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
        ' }}{% endif %}{{'<|im_start|>' + message['role'] + '
        ' + message['content'] + '<|im_end|>' + '
        '}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant
        ' }}{% endif %}
        """

    static let qwen2Jinja = """
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    static let llama3Jinja = """
        {% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}
        """

    @Test func recognisesTemplateFamilies() {
        #expect(ChatTemplate(jinja: Self.smolLM2Jinja)
                == .chatML(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        #expect(ChatTemplate(jinja: Self.qwen2Jinja) == .chatML(defaultSystem: "You are a helpful assistant."))
        #expect(ChatTemplate(jinja: Self.llama3Jinja) == .llama3(bosText: "<|begin_of_text|>"))
        #expect(ChatTemplate(jinja: "{{ messages }}") == nil)
    }

    @Test func chatMLInjectsTheDefaultSystemTurn() {
        let t = ChatTemplate.chatML(defaultSystem: "Be brief.")
        #expect(t.render([.user("Hi")], addGenerationPrompt: true) == """
            <|im_start|>system
            Be brief.<|im_end|>
            <|im_start|>user
            Hi<|im_end|>
            <|im_start|>assistant

            """)
        #expect(t.render([.system("Judge."), .user("A or B?"), .assistant("A")], addGenerationPrompt: false) == """
            <|im_start|>system
            Judge.<|im_end|>
            <|im_start|>user
            A or B?<|im_end|>
            <|im_start|>assistant
            A<|im_end|>

            """)
        #expect(ChatTemplate.chatML(defaultSystem: nil).render([.user("x")], addGenerationPrompt: false)
                == "<|im_start|>user\nx<|im_end|>\n")
        #expect(t.render([], addGenerationPrompt: true) == "<|im_start|>assistant\n")
    }

    @Test func llama3TrimsContentAndStartsWithBOS() {
        let t = ChatTemplate.llama3(bosText: "<|begin_of_text|>")
        #expect(t.render([.system(" Be brief.\n"), .user("Hi")], addGenerationPrompt: true)
                == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    /// The model file's own template, rendered and tokenized, gives exactly the ids
    /// llama.cpp produced for the same chat prompt in the fixture.
    @Test func smolLM2FileTemplateMatchesFixturePrompt() throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        let template = try #require(tokenizer.chatTemplate)
        #expect(template == .chatML(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        let fixture = try #require(TokenizerTestSupport.cases.first { $0.text.hasPrefix("<|im_start|>system\nYou are a helpful assistant.") })
        let rendered = template.render([.system("You are a helpful assistant."), .user("What is the capital of France?")],
                                       addGenerationPrompt: true)
        #expect(rendered == fixture.text)
        #expect(tokenizer.encode(rendered) == fixture.ids)
    }
}
